"""SLA template tags for the agent pages.

``{% load sla %}``, then:

* ``{% sla_prefetch tickets %}`` once before a list (one query for all their clocks);
* ``{% sla_badge ticket %}`` the most urgent clock: "First reply: 42 min left" (yellow after
  the warning share, red when overdue, marked while paused);
* ``{% sla_panel ticket %}`` every clock with its due time, for the ticket page's side bar.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import prefetch_related_objects

from loket.sla import display
from loket.sla.models import TicketSla
from loket.tickets.models import Event, Ticket

register = template.Library()


def _sla(ticket: Ticket) -> TicketSla | None:
    try:
        return ticket.sla
    except ObjectDoesNotExist:
        return None


@register.simple_tag
def sla_prefetch(tickets: Iterable[Ticket]) -> str:
    rows = [t for t in tickets if isinstance(t, Ticket)]
    if rows:
        prefetch_related_objects(rows, "sla__policy__calendar")
    return ""


@register.inclusion_tag("sla/badge.html")
def sla_badge(ticket: Ticket) -> dict[str, Any]:
    sla = _sla(ticket)
    return {"clock": display.most_urgent(sla) if sla is not None else None}


@register.inclusion_tag("sla/panel.html")
def sla_panel(ticket: Ticket) -> dict[str, Any]:
    sla = _sla(ticket)
    return {
        "clocks": display.views(sla) if sla is not None else [],
        "policy": sla.policy if sla is not None else None,
    }


@register.filter
def sla_event_text(event: Event) -> str:
    """Words for an SLA warning, breach or alarm event ("" for other events)."""
    return display.describe_event(event)
