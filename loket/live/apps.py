from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "loket.live"
    label = "live"
    verbose_name = _("Live updates")

    def ready(self) -> None:
        from loket.live import nudge

        nudge.connect()
