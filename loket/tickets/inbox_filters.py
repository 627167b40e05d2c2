"""Inbox filters that upper apps add (request type, custom fields) without tickets knowing them.

An app registers an ``InboxFilter`` in its ``AppConfig.ready``: the inbox reads its parameter
from the address, keeps only a value that ``read`` accepts (anything else is ignored, never
passed on) and narrows the view's tickets with ``apply``. Saved views keep the parameter too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from loket.tickets.models import Ticket


@dataclass(frozen=True)
class InboxFilter:
    param: str
    read: Callable[[str], str | None]
    apply: Callable[[QuerySet[Ticket], str], QuerySet[Ticket]]


_filters: dict[str, InboxFilter] = {}


def register(inbox_filter: InboxFilter) -> None:
    """Adds (or replaces, by parameter name) one filter; safe to call again on a reload."""
    _filters[inbox_filter.param] = inbox_filter


def registered() -> list[InboxFilter]:
    return list(_filters.values())


def chosen(params: dict[str, str]) -> dict[str, str]:
    """The registered filters' accepted values in ``params``."""
    found = {}
    for f in _filters.values():
        raw = params.get(f.param, "")
        value = f.read(raw[:200]) if raw else None
        if value:
            found[f.param] = value
    return found


def narrow(qs: QuerySet[Ticket], values: dict[str, str]) -> QuerySet[Ticket]:
    for param, value in values.items():
        f = _filters.get(param)
        if f is not None:
            qs = f.apply(qs, value)
    return qs
