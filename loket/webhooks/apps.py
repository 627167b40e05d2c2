from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "loket.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from loket.jobs import scheduler
        from loket.webhooks import dispatch

        dispatch.connect()
        if not any(job.name == "webhooks-prune" for job in scheduler.PERIODIC):
            scheduler.PERIODIC.append(
                scheduler.Periodic(
                    "webhooks-prune", "loket.webhooks.delivery.prune_deliveries", 86400
                )
            )
