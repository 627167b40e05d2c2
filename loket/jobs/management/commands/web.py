from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from loket.deploy.web import serve


class Command(BaseCommand):
    help = (
        "Serve the web app as one node of a deployment on several machines (gunicorn with "
        "uvicorn processes); no workers, no migration. SIGTERM finishes requests, then stops."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="server processes (default: LOKET_WEB_PROCESSES, 2)",
        )
        parser.add_argument("--access-log", action="store_true", help="log every request")

    def handle(self, *args: Any, **options: Any) -> None:
        serve(
            options["host"],
            options["port"],
            options["processes"],
            access_log=options["access_log"],
        )
