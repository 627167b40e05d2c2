"""Include with ``path("desk/notifications/", include("loket.sla.urls_desk"))``."""

from django.urls import path

from loket.sla import views_centre

app_name = "notifications"
urlpatterns = [
    path("", views_centre.page, name="centre"),
    path("<int:pk>/read/", views_centre.mark_one, name="read"),
    path("read-all/", views_centre.mark_all, name="read_all"),
]
