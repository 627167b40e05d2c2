"""Include with ``path("sla/", include("loket.sla.urls"))``."""

from django.urls import path

from loket.sla import views

app_name = "sla"
urlpatterns = [
    path("digest/", views.digest_page, name="digest"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("notifications/settings/", views.notify_settings, name="settings"),
    path("notifications/push/subscribe/", views.push_subscribe, name="push_subscribe"),
    path("notifications/push/unsubscribe/", views.push_unsubscribe, name="push_unsubscribe"),
]
