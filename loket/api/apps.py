from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "loket.api"
    label = "api"

    def ready(self) -> None:
        from loket.jobs.scheduler import PERIODIC, Periodic

        job = Periodic("api-idempotency-prune", "loket.api.tasks.prune_idempotency_keys", 3600)
        if job.name not in {j.name for j in PERIODIC}:
            PERIODIC.append(job)
