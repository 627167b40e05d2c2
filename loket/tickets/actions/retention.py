"""Data retention: closed tickets older than the desk keeps them are deleted, with their
messages, events and attachment files. Audited as one row per batch (the tickets' own event
rows go with them)."""

from __future__ import annotations

from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet

from loket.accounts.models import AuditEntry
from loket.tickets.models import Attachment, State, Ticket

BATCH = 500


def closed_before(cutoff: datetime) -> QuerySet[Ticket]:
    """Closed tickets nobody touched since ``cutoff`` (a reopened ticket is not closed)."""
    return Ticket.objects.filter(state=State.CLOSED, updated_at__lt=cutoff)


def _remove_files(names: list[str]) -> None:
    still_used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    for name in names:
        if name and name not in still_used:
            default_storage.delete(name)


def purge_closed(cutoff: datetime, *, months: int, limit: int = BATCH) -> int:
    """Deletes up to ``limit`` closed tickets last changed before ``cutoff``; returns how many."""
    with transaction.atomic():
        ids = list(closed_before(cutoff).order_by("id").values_list("id", flat=True)[:limit])
        if not ids:
            return 0
        locked = list(
            Ticket.objects.select_for_update()
            .filter(pk__in=ids, state=State.CLOSED, updated_at__lt=cutoff)
            .values_list("id", flat=True)
        )
        files = [
            str(name)
            for name in Attachment.objects.filter(message__ticket_id__in=locked).values_list(
                "file", flat=True
            )
        ]
        Ticket.objects.filter(pk__in=locked).delete()
        AuditEntry.objects.create(
            action="tickets_purged",
            data={
                "count": len(locked),
                "first": min(locked) if locked else None,
                "last": max(locked) if locked else None,
                "months": months,
                "cutoff": cutoff.isoformat(),
            },
        )
        transaction.on_commit(lambda: _remove_files(files))
    return len(locked)
