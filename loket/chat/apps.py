from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "loket.chat"
    label = "chat"
    verbose_name = _("Website chat")

    def ready(self) -> None:
        from loket.chat import live
        from loket.tickets import delivery
        from loket.tickets.models import Channel

        delivery.register(Channel.CHAT, live.seen_in_chat)  # and importing live registers
        # the chat signal handler
