from django.urls import path

from loket.rules import views_approvals as views

app_name = "approvals"
urlpatterns = [
    path("", views.approval_list, name="list"),
    path("<int:pk>/", views.approval_detail, name="detail"),
    path("<int:pk>/withdraw/", views.approval_withdraw, name="withdraw"),
    path("ask/<int:ticket_pk>/", views.approval_ask, name="ask"),
    path("link/<str:token>/", views.approval_link, name="link"),
]
