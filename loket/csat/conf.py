"""The survey settings (``LOKET_CSAT_*``), read when used so tests and admins can change them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def enabled() -> bool:
    return bool(getattr(settings, "CSAT_ENABLED", True))


def delay() -> timedelta:
    return timedelta(minutes=max(0, int(getattr(settings, "CSAT_DELAY_MINUTES", 60))))


def scale() -> str:
    value = str(getattr(settings, "CSAT_SCALE", "good_bad"))
    return value if value in ("good_bad", "five") else "good_bad"


def throttle() -> timedelta:
    return timedelta(days=max(0, int(getattr(settings, "CSAT_THROTTLE_DAYS", 30))))


def link_lifetime() -> timedelta:
    return timedelta(days=max(1, int(getattr(settings, "CSAT_LINK_DAYS", 14))))


def skip_tags() -> list[str]:
    return [str(t).lower() for t in getattr(settings, "CSAT_SKIP_TAGS", ["spam"])]
