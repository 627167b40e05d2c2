from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "loket.portal"
    label = "portal"

    def ready(self) -> None:
        from loket.portal import signals  # noqa: F401 - connects the receivers
