from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotaConfig(AppConfig):
    name = "loket.rota"
    label = "rota"
    verbose_name = _("Shifts and on-call")

    def ready(self) -> None:
        from loket.rota import routing  # noqa: F401  (connects the new-ticket receiver)
