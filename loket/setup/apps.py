from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetupConfig(AppConfig):
    """The desk's settings area: one page listing every section an app registered."""

    name = "loket.setup"
    label = "setup"
    verbose_name = _("Settings")

    def ready(self) -> None:
        from loket.setup import builtin

        builtin.register_sections()
