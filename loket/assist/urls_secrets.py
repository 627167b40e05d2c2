from django.urls import path

from loket.assist import views_secrets

app_name = "secrets"

urlpatterns = [
    path("", views_secrets.audit, name="audit"),
    path("messages/<int:pk>/reveal/", views_secrets.reveal, name="reveal"),
    path("messages/<int:pk>/redact/", views_secrets.redact, name="redact"),
]
