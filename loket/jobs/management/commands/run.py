from __future__ import annotations

import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Loket on one machine: web server, a worker and the scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="web server only")
        parser.add_argument("--no-migrate", action="store_true", help="skip schema migration")

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
        workers: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            # Two workers so that mail, notifications and monitor checks never wait behind
            # long jobs (imports, sweeps) on the default queue; only one runs the scheduler.
            # The website checker has its own process: its asyncio loop keeps the check slots.
            for process in (
                ["worker", "--queues", "mail,notify,monitors", "--no-scheduler"],
                ["worker", "--queues", "default"],
                ["monitor", "run"],
            ):
                command = [sys.executable, "-m", "loket.cli", *process]
                workers.append(subprocess.Popen(command))  # noqa: S603 - our own executable
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(f"Loket is running at {url}  (Ctrl+C stops it)")
        try:
            uvicorn.run(
                "loket.asgi:application",
                host=options["host"],
                port=options["port"],
                log_level="warning",
                lifespan="off",
                # Live streams end themselves on SIGTERM/SIGINT (loket.live.shutdown); this is
                # the backstop for any other response that would keep the server waiting.
                timeout_graceful_shutdown=10,
            )
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
