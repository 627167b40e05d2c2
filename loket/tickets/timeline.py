"""The ticket timeline: messages and events in order, each event told in words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from loket.accounts.models import Team, Tier, User
from loket.tickets.models import Event, EventKind, Message, Priority, State

# Apps that write their own event kinds (SLA warnings, alarms) say here how to tell them.
DESCRIBERS: dict[str, Callable[[Event], str]] = {}


def register_describer(kind: str, describe_event: Callable[[Event], str]) -> None:
    DESCRIBERS[kind] = describe_event


@dataclass(frozen=True)
class Entry:
    at: Any
    message: Message | None = None
    event: Event | None = None
    text: str = ""


def _label(kind: EventKind, value: Any, people: dict[int, str], teams: dict[int, str]) -> str:
    if value is None:
        return _("nobody") if kind == EventKind.ASSIGNEE else "—"
    if kind == EventKind.STATE:
        return str(State(value).label) if value in State.values else str(value)
    if kind == EventKind.PRIORITY:
        return str(Priority(value).label) if value in Priority.values else str(value)
    if kind in (EventKind.ASSIGNEE, EventKind.CUSTOMER):
        return people.get(value, f"#{value}")
    if kind in (EventKind.TEAM, EventKind.ESCALATED) and isinstance(value, dict):
        tier = value.get("tier")
        tier_label = str(Tier(tier).label) if tier in Tier.values else ""
        return f"{teams.get(value.get('team', 0), '?')} ({tier_label})"
    if kind == EventKind.TAGS:
        return ", ".join(value) or "—"
    if kind in (EventKind.LINKED, EventKind.MERGED_INTO):
        return f"#{value}"
    if kind == EventKind.MERGED and isinstance(value, dict):
        return f"#{value.get('ticket')}"
    return str(value)


def describe(event: Event, people: dict[int, str], teams: dict[int, str]) -> str:
    if event.kind in DESCRIBERS:
        return DESCRIBERS[event.kind](event)
    kind = EventKind(event.kind)
    if kind in (
        EventKind.CREATED,
        EventKind.NO_REPLY_NEEDED,
        EventKind.SENDER_CONFIRMED,
        EventKind.SPAM,
    ):
        return str(kind.label)
    if kind == EventKind.SPLIT and isinstance(event.after, dict):
        if event.after.get("from"):
            return _("took a message split off ticket #%(n)s") % {"n": event.after["from"]}
        return f"{kind.label} #{event.after.get('into')}"
    if kind == EventKind.MESSAGE:
        return ""
    if kind == EventKind.REPLY_HELD:  # the reply shows its own state; once undone, this
        return str(kind.label) if event.message_id is None else ""
    if kind == EventKind.REPLY_UNDONE:
        return str(kind.label)
    after = _label(kind, event.after, people, teams)
    if kind in (EventKind.LINKED, EventKind.MERGED, EventKind.MERGED_INTO):
        return f"{kind.label} {after}"
    before = _label(kind, event.before, people, teams)
    return f"{kind.label}: {before} → {after}"


def build(messages: Iterable[Message], events: Iterable[Event]) -> list[Entry]:
    events = list(events)
    named = (EventKind.ASSIGNEE, EventKind.CUSTOMER)
    ids = {e.after for e in events if e.kind in named}
    ids |= {e.before for e in events if e.kind in named}
    people = dict(
        User.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "display_name")
    )
    teams = dict(Team.objects.values_list("pk", "name"))
    entries = [Entry(m.created_at, message=m) for m in messages]
    for event in events:
        text = describe(event, people, teams)
        if text:
            entries.append(Entry(event.created_at, event=event, text=text))
    return sorted(entries, key=lambda e: (e.at, 0 if e.message else 1))
