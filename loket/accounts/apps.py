from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "loket.accounts"
    label = "accounts"
    verbose_name = _("People and rights")

    def ready(self) -> None:
        from loket.accounts import audit

        audit.connect()
        from loket.accounts import signals  # noqa: F401 - connects the receivers
