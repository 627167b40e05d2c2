from django.urls import path

from loket.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
]
