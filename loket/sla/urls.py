"""Include with ``path("sla/", include("loket.sla.urls"))``."""

from django.urls import path

from loket.sla import views

app_name = "sla"
urlpatterns = [
    path("digest/", views.digest_page, name="digest"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/settings/", views.notify_settings, name="settings"),
]
