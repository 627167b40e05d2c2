from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessengersConfig(AppConfig):
    name = "loket.messengers"
    label = "messengers"
    verbose_name = _("Messengers")

    def ready(self) -> None:
        from loket.lib.settings_menu import Section, register
        from loket.messengers import outbound
        from loket.tickets import delivery
        from loket.tickets.models import Channel

        for channel in (Channel.TELEGRAM, Channel.WHATSAPP):
            delivery.register_transport(channel, outbound.queue_reply)
            delivery.register_reply_check(channel, outbound.refusal)
        channels = _("Channels")
        register(
            Section(
                "telegram_bots",
                _("Telegram bots"),
                _("Customer-facing bots: tokens, webhook or polling, the team that answers."),
                "messengers:bots",
                audience="admin",
                group=channels,
                order=42,
            )
        )
        register(
            Section(
                "whatsapp_numbers",
                _("WhatsApp numbers"),
                _("WhatsApp Business numbers: access token, app secret, approved templates."),
                "messengers:numbers",
                audience="admin",
                group=channels,
                order=43,
            )
        )
        register(
            Section(
                "messenger_contacts",
                _("Messenger contacts"),
                _("People who wrote by Telegram or WhatsApp; link them to customers."),
                "messengers:contacts",
                audience="agent",
                group=_("People and customers"),
                order=30,
            )
        )
