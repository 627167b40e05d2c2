"""Include with ``path("hooks/", include("loket.messengers.urls_hooks"))`` (no namespace:
the names are ``telegram_hook`` and ``whatsapp_hook``)."""

from django.urls import path

from loket.messengers import hooks

urlpatterns = [
    path("telegram/<str:key>/", hooks.telegram_hook, name="telegram_hook"),
    path("whatsapp/<str:key>/", hooks.whatsapp_hook, name="whatsapp_hook"),
]
