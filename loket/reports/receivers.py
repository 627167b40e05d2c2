"""Keeps the daily roll-up current: runs inside the transaction that writes the event."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from loket.reports import facts, rollup
from loket.tickets import eventlog
from loket.tickets.models import Event


@receiver(post_save, sender=Event, dispatch_uid="loket.reports.roll_up")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if created and not raw and not eventlog.handled_in_batch(instance):
        rollup.on_event(instance)
        facts.on_event(instance)


def _on_batch(events: list[Event]) -> None:
    """A bulk import's events: the same rows, asked for and written for all of them at once."""
    rollup.on_events(events)
    facts.on_events(events)


eventlog.on_batch("loket.reports", _on_batch, order=50)
