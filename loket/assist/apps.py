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
            receivers,  # noqa: F401  (reads every customer message)
            timeline_secrets,
            triage_tasks,  # noqa: F401  (connects the new-ticket receiver)
        )
        from loket.assist.actions import SENT_DESPITE_WARNINGS
        from loket.assist.display import describe_event
        from loket.assist.service import send_time_check, sent_anyway
        from loket.jobs.scheduler import PERIODIC, Periodic
        from loket.lib.settings_menu import Section, register
        from loket.tickets import guards, reply_checks
        from loket.tickets.timeline import register_describer

        guards.register(masking.guard)
        timeline_secrets.register()
        register_describer(SENT_DESPITE_WARNINGS, describe_event)
        reply_checks.register("assist", send_time_check, sent_anyway)
        job = Periodic("assist-triage-retrain", "loket.assist.triage_tasks.retrain", 6 * 3600)
        if all(p.name != job.name for p in PERIODIC):
            PERIODIC.append(job)
        for section in (
            Section(
                "assist",
                _("Assistant"),
                _("Rules on mood and urgency, internal-only words for the draft check."),
                "assist:settings",
                audience="admin",
                group=_("Desk"),
                order=59,
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
            Section(
                "secrets",
                _("Secrets in messages"),
                _("Hidden card numbers, IBANs, passwords and keys: who revealed or removed them."),
                "secrets:audit",
                audience="manager",
                group=_("Desk"),
                order=61,
            ),
        ):
            register(section)
