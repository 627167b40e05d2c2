"""Deflection: articles shown while a customer writes a ticket, and what they did next.

The ticket form carries a signed key. Each time suggestions are shown the key's row records
them; opening a suggested article records that; sending the ticket records the ticket. A form
whose customer opened an article and never sent the ticket was deflected.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.utils import timezone

from loket.kb.models import Deflection, Translation
from loket.lib.overload import best_effort
from loket.tickets.models import Ticket

_SALT = "loket.kb.deflection"


def new_token() -> str:
    """A signed random key for one ticket form (put in a hidden field)."""
    return signing.dumps(secrets.token_hex(16), salt=_SALT, compress=False)


def key_of(token: str | None) -> str | None:
    if not token or len(token) > 200:
        return None
    try:
        value = signing.loads(token, salt=_SALT, max_age=60 * 60 * 24)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and len(value) == 32 else None


def record_shown(token: str | None, shown: list[int], *, language: str, source: str) -> None:
    key = key_of(token)
    if key is None or not shown:
        return

    def write() -> None:
        row, created = Deflection.objects.get_or_create(
            key=key, defaults={"shown": shown, "language": language, "source": source[:12]}
        )
        if not created:
            merged = list(dict.fromkeys([*row.shown, *shown]))[:50]
            Deflection.objects.filter(pk=row.pk).update(shown=merged)

    best_effort(write, what="shown suggestions")


def record_opened(token: str | None, translation: Translation) -> None:
    key = key_of(token)
    if key is None:
        return
    best_effort(
        lambda: Deflection.objects.filter(key=key, opened__isnull=True).update(
            opened=translation, opened_at=timezone.now()
        ),
        what="an opened suggestion",
    )


def record_sent(token: str | None, ticket: Ticket) -> None:
    """Call after the ticket form created ``ticket`` (the key comes from ``kb_deflection``)."""
    key = key_of(token)
    if key is None:
        return
    Deflection.objects.filter(key=key, ticket__isnull=True).update(
        ticket=ticket, sent_at=timezone.now()
    )


@dataclass(frozen=True)
class DeflectionStats:
    shown: int  # forms that were shown suggestions
    opened: int  # ... of which an article was opened
    opened_and_sent: int  # ... and the ticket still sent
    deflected: int  # opened, not sent

    @property
    def rate(self) -> float:
        """Deflected forms as a share of forms that were shown suggestions."""
        return round(self.deflected / self.shown, 4) if self.shown else 0.0


def stats(since: datetime) -> DeflectionStats:
    rows = Deflection.objects.filter(created_at__gte=since)
    opened = rows.filter(opened__isnull=False)
    return DeflectionStats(
        shown=rows.count(),
        opened=opened.count(),
        opened_and_sent=opened.filter(ticket__isnull=False).count(),
        deflected=opened.filter(Q(ticket__isnull=True)).count(),
    )
