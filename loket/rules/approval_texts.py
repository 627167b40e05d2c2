"""What people read about approvals: the customer's outcome reply (in their language and
form of address) and how the approval events read in the timeline."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from loket.accounts.models import Formality, User
from loket.tickets.models import Event, Ticket


def customer_language(customer: User, ticket: Ticket) -> str:
    return (customer.language or ticket.language or settings.LANGUAGE_CODE)[:2]


def customer_text(customer: User, ticket: Ticket, *, approved: bool) -> str:
    """The public reply telling the customer the outcome."""
    with translation.override(customer_language(customer, ticket)):
        if customer.formality == Formality.INFORMAL:
            if approved:
                return pgettext(
                    "informal",
                    "Good news: your request has been approved. We will take care of the rest.",
                )
            return pgettext(
                "informal",
                "We have looked at your request carefully, but unfortunately it was not "
                "approved. Just reply if you have any questions.",
            )
        if approved:
            return pgettext(
                "formal",
                "Good news: your request has been approved. We will take care of the rest.",
            )
        return pgettext(
            "formal",
            "We have looked at your request carefully, but unfortunately it was not approved. "
            "Please reply if you have any questions.",
        )


def outcome_label(outcome: str) -> str:
    from loket.rules.models_approvals import ApprovalStatus

    if outcome in ApprovalStatus.values:
        return str(ApprovalStatus(outcome).label)
    return outcome


def describe_event(event: Event) -> str:
    from loket.tickets.models import EventKind

    after = event.after if isinstance(event.after, dict) else {}
    if event.kind == EventKind.APPROVAL_ASKED:
        return _("asked for approval: %(question)s") % {"question": after.get("question", "")}
    if event.kind == EventKind.APPROVAL_STEP:
        decision = after.get("decision")
        comment = str(after.get("comment") or "")
        if decision == "approved":
            text = _("approved step %(n)s") % {"n": after.get("step")}
        else:
            text = _("rejected step %(n)s") % {"n": after.get("step")}
        return f"{text}: {comment}" if comment else text
    return _("approval ended: %(outcome)s") % {
        "outcome": outcome_label(str(after.get("outcome", "")))
    }


def ready() -> None:
    """Wires approvals in: how their events read on the timeline. (The desk page is in the
    "More" menu of ``base.html``.)"""
    from loket.tickets.models import EventKind
    from loket.tickets.timeline import register_describer

    for kind in (EventKind.APPROVAL_ASKED, EventKind.APPROVAL_STEP, EventKind.APPROVAL_DONE):
        register_describer(kind, describe_event)
