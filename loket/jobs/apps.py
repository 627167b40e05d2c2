from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "loket.jobs"
    label = "jobs"

    def ready(self) -> None:
        from loket.jobs import checks as _node  # noqa: F401  (the node's readiness)
        from loket.lib import checks  # noqa: F401  (registers the configuration checks)
