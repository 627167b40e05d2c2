"""The server process of a web node: uvicorn inside gunicorn, set up as ``loket run`` sets up
its uvicorn (no lifespan, no proxy headers: ``loket.lib.clientip`` reads forwarded headers
only from ``LOKET_TRUSTED_PROXIES``)."""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class LoketUvicornWorker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "auto",
        "http": "auto",
        "lifespan": "off",
        "proxy_headers": False,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Live streams end themselves on SIGTERM (loket.live.shutdown); any other response
        # gets what is left of the master's grace period.
        self.config.timeout_graceful_shutdown = max(1, int(self.cfg.graceful_timeout) - 2)
