"""`loket check`: configuration problems reported before they bite."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register("loket")
def loket_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    data_dir = settings.DATA_DIR
    if not os.access(data_dir, os.W_OK):
        problems.append(Error(f"the data directory {data_dir} is not writable", id="loket.E001"))
    if settings.PRODUCTION:
        if settings.DEBUG:
            problems.append(Error("LOKET_DEBUG must be off in production", id="loket.E002"))
        if "*" in settings.ALLOWED_HOSTS:
            problems.append(
                Error("LOKET_ALLOWED_HOSTS must name the hosts, not '*'", id="loket.E003")
            )
        if not settings.BASE_URL.startswith("https://"):
            problems.append(
                Warning("LOKET_BASE_URL should be https:// in production", id="loket.W001")
            )
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            problems.append(
                Warning(
                    "SQLite serves one machine; use PostgreSQL for several web or worker hosts",
                    id="loket.W002",
                )
            )
        if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "filebased.EmailBackend")):
            problems.append(
                Error(
                    "mail would only be printed or kept in files: set LOKET_SMTP_HOST or "
                    "LOKET_EMAIL_BACKEND",
                    id="loket.E004",
                )
            )
    return problems


@register("loket", deploy=True)
def client_address(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Behind a reverse proxy without LOKET_TRUSTED_PROXIES every visitor has the proxy's
    address: one person's wrong passwords would throttle everyone's sign-in."""
    if settings.PRODUCTION and not getattr(settings, "TRUSTED_PROXIES", ()):
        return [
            Warning(
                "LOKET_TRUSTED_PROXIES is empty: if Loket runs behind a reverse proxy, name it "
                "there, or lockouts and rate limits will count all visitors as the proxy",
                id="loket.W010",
            )
        ]
    return []
