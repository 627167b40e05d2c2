from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "loket.chat"
    label = "chat"
    verbose_name = _("Website chat")

    def ready(self) -> None:
        from loket.chat import live  # noqa: F401 - registers the chat signal handler
