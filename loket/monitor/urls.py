from django.urls import path

from loket.monitor import views

app_name = "monitor"

urlpatterns = [
    path("", views.status_page, name="status"),
    path("push/<str:token>/", views.push, name="push"),
    path("monitors/", views.monitor_list, name="monitors"),
    path("monitors/<int:pk>/", views.monitor_detail, name="monitor"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
]
