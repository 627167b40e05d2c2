from __future__ import annotations

import os
import signal
import sys
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from loket.lib.supervisor import Supervisor

# Two workers so that mail, notifications and monitor checks never wait behind long jobs
# (imports, sweeps) on the default queue; only one runs the scheduler. The website checker has
# its own process: its asyncio loop keeps the check slots.
CHILDREN = [
    (
        "worker mail,notify,monitors",
        ["worker", "--queues", "mail,notify,monitors", "--no-scheduler"],
    ),
    ("worker default,webhooks+scheduler", ["worker", "--queues", "default,webhooks"]),
    ("website checker", ["monitor", "run"]),
]


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def adopt_base_url(host: str, port: int) -> str:
    """Links in mail point at the address this process serves, unless LOKET_BASE_URL says
    otherwise (a proxy in front); the workers inherit it through the environment."""
    configured = os.environ.get("LOKET_BASE_URL", "")
    if configured:
        return configured
    shown = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(host, host)  # noqa: S104
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    base = f"http://{shown}:{port}"
    os.environ["LOKET_BASE_URL"] = base
    settings.BASE_URL = base
    return base


def server_options(host: str, port: int) -> dict[str, Any]:
    """How ``loket run`` starts uvicorn. ``proxy_headers`` is off: uvicorn would otherwise
    take the client address from ``X-Forwarded-For`` whenever the peer is 127.0.0.1, so anyone
    on the machine (or a local proxy passing the header through) could pick their address.
    Forwarded headers are read by ``loket.lib.clientip``, only from ``LOKET_TRUSTED_PROXIES``."""
    return {
        "app": "loket.asgi:application",
        "host": host,
        "port": port,
        "log_level": "warning",
        "lifespan": "off",
        "proxy_headers": False,
        # Live streams end themselves on SIGTERM/SIGINT (loket.live.shutdown); this is the
        # backstop for any other response that would keep the server waiting.
        "timeout_graceful_shutdown": 10,
    }


class Command(BaseCommand):
    help = (
        "Serve Loket on one machine: web server, workers and the scheduler; restarts a worker "
        "that dies, and stops them all cleanly on SIGTERM or Ctrl+C."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="web server only")
        parser.add_argument("--no-migrate", action="store_true", help="skip schema migration")

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        # uvicorn stops serving on SIGTERM/SIGINT and then raises the signal again: this
        # handler turns that into SystemExit, so the children are stopped below rather than
        # left running when the process dies of the signal's default action.
        signal.signal(signal.SIGTERM, _stop_requested)
        signal.signal(signal.SIGINT, _stop_requested)
        adopt_base_url(options["host"], options["port"])
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
        supervisor = Supervisor(
            [
                (name, [sys.executable, "-m", "loket.cli", *argv])
                for name, argv in ([] if options["no_worker"] else CHILDREN)
            ],
            grace=float(getattr(settings, "SHUTDOWN_GRACE_SECONDS", 30)),
        )
        url = f"http://{options['host']}:{options['port']}/"
        # The web server runs each request in a thread of its own: a kept connection would
        # never be reused (see loket/asgi.py); the workers, processes of their own, keep theirs.
        settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
        try:
            supervisor.start()
            self.stdout.write(f"Loket is running at {url}  (Ctrl+C stops it)")
            uvicorn.run(**server_options(options["host"], options["port"]))
        finally:
            # Another Ctrl+C while the children finish their tasks: force them now.
            signal.signal(signal.SIGINT, lambda signum, frame: supervisor.hurry())
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            supervisor.stop()
