"""Monitor settings, each with a safe default (the lead maps them to ``LOKET_*`` variables)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Raw check results are kept this many days, then only the hourly and daily figures.
    "MONITOR_RAW_DAYS": 2,
    "MONITOR_HOURLY_DAYS": 35,
    "MONITOR_DAILY_DAYS": 400,
    # A monitor that came back must stay up this long before its incident resolves; going down
    # again in between counts as a flap on the same incident (no new ticket, no extra note).
    "MONITOR_SETTLE_SECONDS": 300,
    # Response bodies are read up to this size for text checks (the rest is not downloaded).
    "MONITOR_MAX_BYTES": 2 * 1024 * 1024,
    # Checks running at once in one `loket monitor run` process.
    "MONITOR_CONCURRENCY": 500,
    # A claimed check whose result is not written this long after its time-out ran out was
    # lost with its checker (killed, machine gone): another checker does it again.
    "MONITOR_CLAIM_GRACE_SECONDS": 30,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
