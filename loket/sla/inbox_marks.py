"""The most urgent SLA clock on each inbox row, for a whole page at once (one query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.html import format_html
from django.utils.safestring import SafeString

from loket.sla import display
from loket.sla.models import TicketSla
from loket.tickets.models import Ticket


def clock_marks(tickets: Sequence[Ticket], now: datetime) -> dict[int, SafeString]:
    """The same badge as ``{% sla_badge %}`` (``sla/badge.html``), made without a template."""
    ids = [t.pk for t in tickets]
    if not ids:
        return {}
    marks = {}
    for sla in TicketSla.objects.filter(ticket_id__in=ids).select_related("policy__calendar"):
        clock = display.most_urgent(sla, now)
        if clock is None:
            continue
        level = f" {clock.level}" if clock.level != "ok" else ""
        marks[sla.ticket_id] = format_html(
            '<span class="badge{} sla-badge" data-sla="{}" title="{}">{}</span>',
            level,
            clock.kind,
            clock.due_text,
            clock.text,
        )
    return marks
