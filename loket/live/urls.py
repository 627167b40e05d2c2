"""Include with ``path("desk/live/", include("loket.live.urls"))``."""

from django.urls import path

from loket.live import views

app_name = "live"
urlpatterns = [
    path("stream/", views.desk_stream, name="stream"),
    path("tickets/<int:pk>/presence/", views.ticket_presence, name="presence"),
]
