from django.urls import path

from loket.portal import views

app_name = "contact"
urlpatterns = [
    path("", views.contact, name="form"),
    path("confirm/<str:token>/", views.contact_confirm, name="confirm"),
]
