from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "loket.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from loket.jobs import scheduler
        from loket.reports import receivers  # noqa: F401  (keeps the roll-up current)

        for job in (
            scheduler.Periodic("reports-weekly", "loket.reports.tasks.send_weekly_reports", 900),
            scheduler.Periodic("reports-compact", "loket.reports.tasks.compact_tallies", 300),
        ):
            if all(p.name != job.name for p in scheduler.PERIODIC):
                scheduler.PERIODIC.append(job)
