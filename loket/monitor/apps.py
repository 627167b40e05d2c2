from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "loket.monitor"
    label = "monitor"
    verbose_name = _("Website monitoring")

    def ready(self) -> None:
        from loket.jobs import scheduler
        from loket.monitor import system_checks  # noqa: F401  (registers the checks)

        # Rollups and pruning run as periodic jobs of the scheduler; the checks themselves run
        # in `loket monitor run` (an asyncio loop, see loket.monitor.runner).
        names = {job.name for job in scheduler.PERIODIC}
        for job in (
            scheduler.Periodic("monitor-rollup", "loket.monitor.tasks.roll_up", 300),
            scheduler.Periodic("monitor-prune", "loket.monitor.tasks.prune", 3600),
        ):
            if job.name not in names:
                scheduler.PERIODIC.append(job)
