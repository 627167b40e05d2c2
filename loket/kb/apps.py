from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "loket.kb"
    label = "kb"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from loket.jobs.scheduler import PERIODIC, Periodic

        job = Periodic("kb-review-reminders", "loket.kb.tasks.remind_reviews", 3600)
        if all(p.name != job.name for p in PERIODIC):
            PERIODIC.append(job)
