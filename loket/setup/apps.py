from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetupConfig(AppConfig):
    """The desk's settings area: one page listing every section an app registered."""

    name = "loket.setup"
    label = "setup"
    verbose_name = _("Settings")

    def ready(self) -> None:
        from loket.jobs.scheduler import PERIODIC, Periodic
        from loket.setup import builtin

        builtin.register_sections()
        if not any(job.name == "data-retention" for job in PERIODIC):
            PERIODIC.append(
                Periodic("data-retention", "loket.setup.tasks.purge_closed_tickets", 3600)
            )
