from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistConfig(AppConfig):
    """The local assistant: reads messages (language, register, mood, urgency, questions,
    secrets), checks drafts, suggests triage and replies. No outside AI service."""

    name = "loket.assist"
    label = "assist"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from loket.assist import (
            masking,
            timeline_secrets,
            triage_tasks,  # noqa: F401  (connects the new-ticket receiver)
        )
        from loket.jobs.scheduler import PERIODIC, Periodic
        from loket.lib.settings_menu import Section, register
        from loket.tickets import guards

        guards.register(masking.guard)
        timeline_secrets.register()
        job = Periodic("assist-triage-retrain", "loket.assist.triage_tasks.retrain", 6 * 3600)
        if all(p.name != job.name for p in PERIODIC):
            PERIODIC.append(job)
        for section in (
            Section(
                "secrets",
                _("Secrets in messages"),
                _("Hidden card numbers, IBANs, passwords and keys: who revealed or removed them."),
                "secrets:audit",
                audience="manager",
                group=_("Desk"),
                order=61,
            ),
            Section(
                "triage",
                _("Triage"),
                _("Team, category and priority learned from solved tickets: when to apply them."),
                "assist_triage:settings",
                audience="admin",
                group=_("Desk"),
                order=60,
            ),
        ):
            register(section)
