from django.urls import path

from loket.assist import views

app_name = "assist"

urlpatterns = [
    path("tickets/<int:pk>/check/", views.check, name="check"),
    path("tickets/<int:pk>/language/", views.accept_language, name="accept_language"),
    path("settings/", views.settings_page, name="settings"),
]
