from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "loket.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from loket.jobs import scheduler
        from loket.sla import tracking  # noqa: F401  (connects the ticket-event receiver)
        from loket.sla.display import describe_event
        from loket.sla.inbox_marks import clock_marks
        from loket.tickets.inbox_rows import add_marks
        from loket.tickets.models import EventKind
        from loket.tickets.timeline import register_describer

        add_marks(clock_marks)
        for kind in (
            EventKind.SLA_WARNING,
            EventKind.SLA_BREACH,
            EventKind.ALARM,
            EventKind.STILL_WORKING,
        ):
            register_describer(kind, describe_event)

        for job in (
            scheduler.Periodic("sla-sweep", "loket.sla.tasks.sweep_sla", 30),
            scheduler.Periodic("sla-still-working", "loket.sla.tasks.still_working", 300),
        ):
            if all(p.name != job.name for p in scheduler.PERIODIC):
                scheduler.PERIODIC.append(job)
