"""Inbox views with keyset pagination: every page costs the same, however deep."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import User
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import State, Ticket


class InboxView(StrEnum):
    UNASSIGNED = "unassigned"
    MINE = "mine"
    UNANSWERED = "unanswered"
    WAITING = "waiting"
    OPEN = "open"
    ALL = "all"


VIEW_LABELS = {
    InboxView.UNASSIGNED: _("Unassigned"),
    InboxView.MINE: _("Mine"),
    InboxView.UNANSWERED: _("Unanswered"),
    InboxView.WAITING: _("Waiting"),
    InboxView.OPEN: _("All open"),
    InboxView.ALL: _("All"),
}

OPEN_STATES = [State.NEW, State.OPEN, State.WAITING_CUSTOMER, State.WAITING_THIRD_PARTY]


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    at: datetime
    pk: int

    def encode(self) -> str:
        raw = f"{self.at.isoformat()}|{self.pk}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at, pk = raw.split("|")
            parsed = datetime.fromisoformat(at)
            if parsed.tzinfo is None:
                raise ValueError("naive")
            return cls(parsed, int(pk))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise BadCursor(token) from None


def view_queryset(user: User, view: InboxView) -> QuerySet[Ticket]:
    qs = tickets_visible_to(user).filter(merged_into__isnull=True)
    if view == InboxView.UNASSIGNED:
        return qs.filter(assignee__isnull=True, state__in=OPEN_STATES)
    if view == InboxView.MINE:
        return qs.filter(assignee=user, state__in=OPEN_STATES)
    if view == InboxView.UNANSWERED:
        return qs.filter(awaiting_reply_since__isnull=False)
    if view == InboxView.WAITING:
        return qs.filter(state__in=[State.WAITING_CUSTOMER, State.WAITING_THIRD_PARTY])
    if view == InboxView.OPEN:
        return qs.filter(state__in=OPEN_STATES)
    return qs


def page(
    qs: QuerySet[Ticket], cursor: Cursor | None, limit: int = 50
) -> tuple[list[Ticket], Cursor | None]:
    """Newest change first. The ``lte`` bound lets the database seek the index to the cursor
    instead of walking past every earlier page."""
    if cursor is not None:
        qs = qs.filter(updated_at__lte=cursor.at).filter(
            Q(updated_at__lt=cursor.at) | Q(pk__lt=cursor.pk)
        )
    rows = list(
        qs.select_related("customer", "assignee", "team", "organisation").order_by(
            "-updated_at", "-id"
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1].updated_at, rows[-1].pk) if more and rows else None
    return rows, next_cursor
