from django.urls import path

from loket.setup import views

app_name = "setup"

urlpatterns = [
    path("", views.index, name="index"),
]
