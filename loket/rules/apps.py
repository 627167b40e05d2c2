from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    """Request types, custom fields, organisation kinds, automation rules and approvals."""

    name = "loket.rules"
    label = "rules"
    verbose_name = _("Request types and rules")

    def ready(self) -> None:
        from loket.rules.automation import setup as automation_setup

        automation_setup.ready()
