"""``{% approval_panel ticket %}`` (the ticket page: pending approval, or a link to ask one)
and ``{% approval_pill ticket %}`` (the inbox row and ticket head: "Waiting for approval")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from loket.rules.models_approvals import Approval, ApprovalStatus
from loket.tickets.models import State, Ticket

register = template.Library()


@register.inclusion_tag("rules/approval_panel.html")
def approval_panel(ticket: Ticket) -> dict[str, Any]:
    rows = list(Approval.objects.filter(ticket_id=ticket.pk).order_by("-id")[:1])
    last = rows[0] if rows else None
    pending = last if last is not None and last.status == ApprovalStatus.PENDING else None
    return {
        "ticket": ticket,
        "pending": pending,
        "last": last,
        "can_ask": ticket.state != State.CLOSED,
    }


MARK = "_loket_approval_pending"


@register.simple_tag
def approval_prefetch(tickets: Iterable[Any]) -> str:
    """Marks a page of tickets with whether each waits for approval, in one query (the
    inbox costs the same number of queries however many rows it shows)."""
    rows = [t for t in tickets if isinstance(t, Ticket)]
    if rows:
        pending = set(
            Approval.objects.filter(
                ticket_id__in=[t.pk for t in rows], status=ApprovalStatus.PENDING
            ).values_list("ticket_id", flat=True)
        )
        for t in rows:
            setattr(t, MARK, t.pk in pending)
    return ""


def pending_marks(tickets: Sequence[Ticket], now: datetime) -> dict[int, SafeString]:
    """ "Waiting for approval" on the inbox rows that wait, for a page at once (one query)."""
    if not tickets:
        return {}
    pending = Approval.objects.filter(
        ticket_id__in=[t.pk for t in tickets], status=ApprovalStatus.PENDING
    ).values_list("ticket_id", flat=True)
    pill = _pill()
    return dict.fromkeys(pending, pill)


def _pill() -> SafeString:
    return format_html(
        '<span class="pill state-waiting_third_party" data-approval-pending>{}</span>',
        _("Waiting for approval"),
    )


@register.simple_tag
def approval_pill(ticket: Any) -> SafeString | str:
    pk = getattr(ticket, "pk", None)
    if pk is None:
        return ""
    known = getattr(ticket, MARK, None)
    if known is None:
        known = Approval.objects.filter(ticket_id=pk, status=ApprovalStatus.PENDING).exists()
    if not known:
        return ""
    return _pill()
