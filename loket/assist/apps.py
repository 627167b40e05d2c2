from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    """The local assistant: reads messages (language, register, mood, urgency, questions,
    secrets), checks drafts, suggests triage and replies. No outside AI service."""

    name = "loket.assist"
    label = "assist"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from loket.assist import receivers  # noqa: F401  (reads every customer message)
        from loket.assist.actions import SENT_DESPITE_WARNINGS
        from loket.assist.display import describe_event
        from loket.assist.service import send_time_check, sent_anyway
        from loket.lib.settings_menu import Section, register
        from loket.tickets import reply_checks
        from loket.tickets.timeline import register_describer

        register_describer(SENT_DESPITE_WARNINGS, describe_event)
        reply_checks.register("assist", send_time_check, sent_anyway)
        register(
            Section(
                "assist",
                _("Assistant"),
                _("Rules on mood and urgency, internal-only words for the draft check."),
                "assist:settings",
                audience="admin",
                group=_("Desk"),
                order=60,
            )
        )
