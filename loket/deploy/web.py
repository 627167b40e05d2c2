"""``loket web``: one web node for a deployment on several machines.

A node is gunicorn's master with ``LOKET_WEB_PROCESSES`` server processes, each running
uvicorn (``loket.deploy.server.LoketUvicornWorker``) on ``loket.asgi``. The master restarts a
process that dies and, on SIGTERM, lets each finish its requests for up to
``LOKET_SHUTDOWN_GRACE_SECONDS``; the live streams end at once with a ``retry:`` hint (see
``loket.live.shutdown``) so browsers reconnect through the proxy to another node.

Unlike ``loket run`` it neither migrates (run ``loket migrate`` once per release, before the
new nodes start) nor starts workers (run ``loket worker`` processes anywhere).
"""

from __future__ import annotations

import os
import sys

from django.conf import settings

WORKER_CLASS = "loket.deploy.server.LoketUvicornWorker"


def gunicorn_argv(
    host: str, port: int, processes: int, *, grace: float, access_log: bool = False
) -> list[str]:
    """The command line of gunicorn for one node."""
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    argv = [
        sys.executable, "-m", "gunicorn", "loket.asgi:application",
        "--worker-class", WORKER_CLASS,
        "--workers", str(processes),
        "--bind", bind,
        "--graceful-timeout", str(max(1, round(grace))),
        # A process that stops answering its master this long is replaced.
        "--timeout", "60",
        # Longer than the proxy keeps an idle connection to the node, so the node never closes
        # one the proxy is about to reuse.
        "--keep-alive", "75",
        "--log-level", "warning",
        "--error-logfile", "-",
        "--no-control-socket",
    ]  # fmt: skip
    if access_log:
        argv += ["--access-logfile", "-"]
    return argv


def serve(host: str, port: int, processes: int | None, *, access_log: bool = False) -> None:
    """Replaces this process by the gunicorn master (signals then reach it directly)."""
    count = processes or int(getattr(settings, "WEB_PROCESSES", 2))
    if count < 1:
        raise ValueError("a web node needs at least one process")
    grace = float(getattr(settings, "SHUTDOWN_GRACE_SECONDS", 30))
    argv = gunicorn_argv(host, port, count, grace=grace, access_log=access_log)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter, fixed arguments
