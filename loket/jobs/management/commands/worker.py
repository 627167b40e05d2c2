from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from loket.jobs.worker import run_worker


class Command(BaseCommand):
    help = "Run background tasks (mail, notifications, monitors, webhooks) and the scheduler tick."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queues",
            default="*",
            help=(
                "comma-separated queues to serve (default: all): "
                "default,mail,monitors,notify,webhooks"
            ),
        )
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not run the periodic-job tick"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        run_worker(
            queues,
            interval=options["interval"],
            tick_every=float(getattr(settings, "SCHEDULER_TICK_SECONDS", 5)),
            scheduler_on=not options["no_scheduler"],
        )
