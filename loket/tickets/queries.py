"""Inbox views with keyset pagination: every page costs the same, however deep."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Lookup, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
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
    SPAM = "spam"


VIEW_LABELS = {
    InboxView.UNASSIGNED: _("Unassigned"),
    InboxView.MINE: _("Mine"),
    InboxView.UNANSWERED: _("Unanswered"),
    InboxView.WAITING: _("Waiting"),
    InboxView.OPEN: _("All open"),
    InboxView.ALL: _("All"),
    InboxView.SPAM: _("Spam"),
}

OPEN_STATES = [State.NEW, State.OPEN, State.WAITING_CUSTOMER, State.WAITING_THIRD_PARTY]
WAITING_STATES = [State.WAITING_CUSTOMER, State.WAITING_THIRD_PARTY]
_CONSTANT = re.compile(r"[a-z_]+")


class _InConstants(Lookup[Any]):
    """``state IN ('new', 'open', ...)`` with the values written into the SQL, not bound.

    SQLite uses a partial index (``tickets`` migration 0003: the open, waiting and unassigned
    queues) only when the query repeats the index's condition word for word, and it cannot see
    bound values. Only our own constant state names get here; anything else is refused.
    """

    lookup_name = "in_constants"
    prepare_rhs = False

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = [str(v) for v in self.rhs]
        if not values or not all(_CONSTANT.fullmatch(v) for v in values):
            raise ValueError(f"not a list of constant names: {values!r}")
        quoted = ", ".join(f"'{v}'" for v in values)
        return f"{lhs} IN ({quoted})", tuple(params)


def state_in(states: Sequence[State]) -> _InConstants:
    """``filter(state_in(OPEN_STATES))``: the same rows as ``state__in=OPEN_STATES``."""
    return _InConstants(F("state"), list(states))


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


def view_queryset(
    user: User, view: InboxView, visible: QuerySet[Ticket] | None = None
) -> QuerySet[Ticket]:
    """The tickets of one inbox view. ``visible`` is ``tickets_visible_to(user)`` when the
    caller already has it (it costs a query for an agent)."""
    base = visible if visible is not None else tickets_visible_to(user)
    qs = base.filter(merged_into__isnull=True)
    if view == InboxView.UNASSIGNED:
        return qs.filter(state_in(OPEN_STATES), assignee__isnull=True)
    if view == InboxView.MINE:
        return qs.filter(state_in(OPEN_STATES), assignee=user)
    if view == InboxView.UNANSWERED:
        return qs.filter(awaiting_reply_since__isnull=False)
    if view == InboxView.WAITING:
        return qs.filter(state_in(WAITING_STATES))
    if view == InboxView.OPEN:
        return qs.filter(state_in(OPEN_STATES))
    if view == InboxView.SPAM:
        return qs.filter(is_spam=True)
    # Spam is closed (so out of the open views) and need no reply: only "All" must skip it.
    return qs.filter(is_spam=False)


# What an inbox row shows of the people and places a ticket points at (``inbox_rows``): not
# every column of four joined tables (a user row alone has twenty), each converted per row.
ROW_FIELDS = (
    *(f.name for f in Ticket._meta.concrete_fields if f.name != "search_vector"),
    "customer__display_name", "customer__email",
    "assignee__display_name", "assignee__email",
    "team__name", "organisation__name",
)  # fmt: skip


def page(
    qs: QuerySet[Ticket], cursor: Cursor | None, limit: int = 50, *, only_row: bool = False
) -> tuple[list[Ticket], Cursor | None]:
    """Newest change first. The ``lte`` bound lets the database seek the index to the cursor
    instead of walking past every earlier page. ``only_row``: load only what an inbox row
    shows of the joined tables (``ROW_FIELDS``)."""
    if cursor is not None:
        qs = qs.filter(updated_at__lte=cursor.at).filter(
            Q(updated_at__lt=cursor.at) | Q(pk__lt=cursor.pk)
        )
    qs = qs.select_related("customer", "assignee", "team", "organisation")
    if only_row:
        qs = qs.only(*ROW_FIELDS)
    rows = list(qs.order_by("-updated_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = Cursor(rows[-1].updated_at, rows[-1].pk) if more and rows else None
    return rows, next_cursor
