from django.urls import path

from loket.csat import views_desk

app_name = "csat"
urlpatterns = [
    path("follow-up/", views_desk.follow_up, name="follow_up"),
    path("<int:pk>/handled/", views_desk.mark_handled, name="handled"),
    path("summary/", views_desk.summary, name="summary"),
]
