"""Include with ``path("rota/", include("loket.rota.urls"))``."""

from django.urls import path

from loket.rota import views

app_name = "rota"
urlpatterns = [
    path("teams/<int:pk>/coverage/", views.coverage, name="coverage"),
    path("presence/", views.set_presence, name="presence"),
    path("presence/heartbeat/", views.heartbeat, name="heartbeat"),
]
