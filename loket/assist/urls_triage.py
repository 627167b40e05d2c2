from django.urls import path

from loket.assist import views_suggest, views_triage

app_name = "assist_triage"
urlpatterns = [
    path("settings/", views_triage.settings_page, name="settings"),
    path("tickets/<int:pk>/", views_triage.panel, name="panel"),
    path("tickets/<int:pk>/<int:sid>/apply/", views_triage.apply, name="apply"),
    path("tickets/<int:pk>/<int:sid>/dismiss/", views_triage.dismiss, name="dismiss"),
    path("tickets/<int:pk>/reply/", views_suggest.suggested_reply, name="suggest_reply"),
]
