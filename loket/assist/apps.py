from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    """The local assistant: reads messages (language, register, mood, urgency, questions,
    secrets), checks drafts, suggests triage and replies. No outside AI service."""

    name = "loket.assist"
    label = "assist"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from loket.assist import masking, timeline_secrets
        from loket.lib.settings_menu import Section, register
        from loket.tickets import guards

        guards.register(masking.guard)
        timeline_secrets.register()
        register(
            Section(
                "secrets",
                _("Secrets in messages"),
                _("Hidden card numbers, IBANs, passwords and keys: who revealed or removed them."),
                "secrets:audit",
                audience="manager",
                group=_("Desk"),
                order=60,
            )
        )
