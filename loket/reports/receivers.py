"""Keeps the daily roll-up current: runs inside the transaction that writes the event."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from loket.reports import facts, rollup
from loket.tickets.models import Event


@receiver(post_save, sender=Event, dispatch_uid="loket.reports.roll_up")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if created and not raw:
        rollup.on_event(instance)
        facts.on_event(instance)
