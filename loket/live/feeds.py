"""Reads the rows behind live updates and turns them into items (runs in the hub's database
thread, never in a stream). Three feeds: ticket events (``e``, with a position: see
``loket.live.cursor``), SLA notifications (``n``) and signals (``s``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Max, Q

from loket.live.items import Item, TicketRef
from loket.live.models import Signal
from loket.sla.models import Notification
from loket.tickets.models import Event, EventKind, MessageKind, Ticket

_EVENT_FIELDS = (
    "pk",
    "kind",
    "ticket_id",
    "actor_id",
    "before",
    "after",
    "ticket__team_id",
    "ticket__assignee_id",
    "ticket__organisation_id",
    "ticket__customer_id",
)

# Signal topics ("prefix:argument") and how to tell them; other apps add theirs.
SignalHandler = Callable[[list[str]], list[Item]]
SIGNAL_HANDLERS: dict[str, SignalHandler] = {}


def register_signal(prefix: str, handler: SignalHandler) -> None:
    SIGNAL_HANDLERS[prefix] = handler


def _previous(kind: str, before: Any, ref: TicketRef) -> TicketRef | None:
    if kind == EventKind.ASSIGNEE and (before is None or isinstance(before, int)):
        return TicketRef(ref.id, ref.team_id, before, ref.organisation_id, ref.customer_id)
    if kind in (EventKind.TEAM, EventKind.ESCALATED) and isinstance(before, dict):
        team = before.get("team")
        if isinstance(team, int):
            return TicketRef(ref.id, team, ref.assignee_id, ref.organisation_id, ref.customer_id)
    return None


def _event_item(row: tuple[Any, ...]) -> Item:
    pk, kind, ticket_id, actor_id, before, after, team, assignee, organisation, customer = row
    ref = TicketRef(ticket_id, team, assignee, organisation, customer)
    message_kind = (
        after.get("kind") if kind == EventKind.MESSAGE and isinstance(after, dict) else None
    )
    data = {
        "ticket": ticket_id,
        "event": pk,
        "kind": kind,
        "message": message_kind,
        "actor": actor_id,
    }
    return Item(
        kind="ticket",
        data=data,
        event_id=pk,
        ticket=ref,
        previous=_previous(kind, before, ref),
        # notes, and replies still inside their undo window (or undone), are not the
        # customer's to hear of
        agents_only=message_kind == MessageKind.NOTE
        or kind in (EventKind.REPLY_HELD, EventKind.REPLY_UNDONE),
    )


def events(where: Q, limit: int) -> list[Item]:
    """Events matching ``where``, oldest id first, at most ``limit``."""
    rows = Event.objects.filter(where).order_by("pk").values_list(*_EVENT_FIELDS)[:limit]
    return [_event_item(row) for row in rows]


def events_by_id(ids: Iterable[int]) -> dict[int, Item]:
    wanted = list(ids)
    if not wanted:
        return {}
    rows = Event.objects.filter(pk__in=wanted).values_list(*_EVENT_FIELDS)
    return {row[0]: _event_item(row) for row in rows}


def notifications(where: Q, limit: int = 1000) -> tuple[list[Item], int]:
    """New notifications (one item each, for its recipient) and the newest id read."""
    rows = list(
        Notification.objects.filter(where).order_by("pk").values_list("pk", "recipient_id")[:limit]
    )
    items = [Item(kind="notification", data={"id": pk}, recipient_id=to) for pk, to in rows]
    return items, max((pk for pk, _to in rows), default=0)


def signals(where: Q, limit: int = 1000) -> tuple[list[Item], int]:
    """The items of the signals matching ``where`` (one per topic however often it was sent)
    and the newest id read."""
    rows = list(Signal.objects.filter(where).order_by("pk").values_list("pk", "topic")[:limit])
    grouped: dict[str, list[str]] = {}
    for topic in dict.fromkeys(topic for _pk, topic in rows):
        prefix, _, argument = topic.partition(":")
        grouped.setdefault(prefix, []).append(argument)
    items: list[Item] = []
    for prefix, arguments in grouped.items():
        handler = SIGNAL_HANDLERS.get(prefix)
        if handler is not None:
            items.extend(handler(arguments))
    return items, max((pk for pk, _topic in rows), default=0)


def tops() -> dict[str, int]:
    """The newest id of each feed."""
    return {
        "e": Event.objects.aggregate(m=Max("pk"))["m"] or 0,
        "n": Notification.objects.aggregate(m=Max("pk"))["m"] or 0,
        "s": Signal.objects.aggregate(m=Max("pk"))["m"] or 0,
    }


def ticket_refs(ids: Iterable[int]) -> dict[int, TicketRef]:
    rows = Ticket.objects.filter(pk__in=list(ids)).values_list(
        "pk", "team_id", "assignee_id", "organisation_id", "customer_id"
    )
    return {row[0]: TicketRef(*row) for row in rows}


def _presence(arguments: list[str]) -> list[Item]:
    ids = {int(a) for a in arguments if a.isdigit()}
    refs = ticket_refs(ids)
    return [
        Item(kind="presence", data={"ticket": pk}, ticket=ref, agents_only=True)
        for pk, ref in sorted(refs.items())
    ]


register_signal("presence", _presence)
