"""Wakes this process's poller when a transaction here commits a row the streams report.

On SQLite the hub polls (``loket.live.sources.SqlitePoller``); a commit in another process
is found at the next tick, but one in this process (on one ``loket run``: the visitor's
message, the agent's reply from the desk) need not wait for it. PostgreSQL's listener hears
every commit at once anyway, and a process without streams (a worker) has no hub: both
skip this at the first check.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from loket.live import hub as hubs
from loket.live.models import Signal
from loket.sla.models import Notification
from loket.tickets.models import Event


def _wake() -> None:
    hub = hubs._hub
    if hub is None or hub.closing or hub.loop.is_closed():
        return
    source = hub.source
    if getattr(source, "nudged", True):  # no poller, or a wake-up already on its way
        return
    source.nudged = True  # type: ignore[attr-defined]
    hub.loop.call_soon_threadsafe(source.nudge)  # type: ignore[attr-defined]


def _on_row(sender: Any, created: bool = False, **kwargs: Any) -> None:
    if not created:
        return
    hub = hubs._hub
    if hub is None or not hasattr(hub.source, "nudge"):
        return
    transaction.on_commit(_wake, using=kwargs.get("using"))


def connect() -> None:
    for model in (Event, Notification, Signal):
        post_save.connect(_on_row, sender=model, dispatch_uid=f"loket.live.nudge.{model.__name__}")
