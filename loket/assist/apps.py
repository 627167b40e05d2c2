from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    """The local assistant: reads messages (language, register, mood, urgency, questions,
    secrets), checks drafts, suggests triage and replies. No outside AI service."""

    name = "loket.assist"
    label = "assist"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from loket.assist import triage_tasks  # noqa: F401  (connects the new-ticket receiver)
        from loket.jobs.scheduler import PERIODIC, Periodic
        from loket.lib.settings_menu import Section, register

        job = Periodic("assist-triage-retrain", "loket.assist.triage_tasks.retrain", 6 * 3600)
        if all(p.name != job.name for p in PERIODIC):
            PERIODIC.append(job)
        register(
            Section(
                "triage",
                _("Triage"),
                _("Team, category and priority learned from solved tickets: when to apply them."),
                "assist_triage:settings",
                audience="admin",
                group=_("Desk"),
                order=60,
            )
        )
