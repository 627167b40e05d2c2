"""Domain events announced for integrations (outgoing webhooks), without the announcing app
knowing who listens: ``lib`` knows no app, and an app that announces imports only this.

Call ``announce`` inside the transaction that made the change; listeners (``loket.webhooks``)
queue their work in that same transaction, so it exists exactly when the change committed.
``kind`` is a dotted name (``csat.received``); ``data`` is a JSON-ready dict, or a function
that makes one, called only when someone listens for that kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.dispatch import Signal

announced = Signal()

Data = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def announce(kind: str, data: Data, *, occurred_at: datetime | None = None) -> None:
    announced.send(sender=None, kind=kind, data=data, occurred_at=occurred_at)
