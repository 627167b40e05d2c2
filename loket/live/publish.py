"""The writing side of live updates: how a change reaches every web process's streams.

Ticket events, SLA notifications and signals are rows. On SQLite each web process polls for
new rows. On PostgreSQL a trigger on each of those tables (migration ``0002_notify_triggers``)
sends ``NOTIFY loket_live, '<feed>:<id>,<id>…'`` for every INSERT statement, whatever wrote
it (an action, a bulk import, the SLA sweep's ``bulk_create``, raw SQL): inside the writing
transaction, so it is delivered when that commits and never for a rollback. The payload
carries ids only; listeners read the rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from loket.live.models import Signal

CHANNEL = "loket_live"
FEEDS = {"e": "tickets_event", "n": "sla_notification", "s": "live_signal"}
SIGNAL_LIFETIME = timedelta(minutes=5)
_PRUNE_EVERY = 200


def publish(topic: str) -> None:
    """Tells every stream that listens for ``topic`` (e.g. ``presence:12``) to look again,
    when the current transaction commits."""
    signal = Signal.objects.create(topic=topic[:100])
    if signal.pk % _PRUNE_EVERY == 0:
        Signal.objects.filter(created_at__lt=timezone.now() - SIGNAL_LIFETIME).delete()
