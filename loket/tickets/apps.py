from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "loket.tickets"
    label = "tickets"

    def ready(self) -> None:
        from loket.jobs.scheduler import PERIODIC, Periodic

        # The badge counters' delta rows summed into one per key (loket.tickets.queue_counts).
        job = Periodic("fold-queue-counts", "loket.tickets.tasks.fold_queue_counts", 60)
        if all(p.name != job.name for p in PERIODIC):
            PERIODIC.append(job)
