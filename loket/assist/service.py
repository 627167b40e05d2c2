"""The assistant's reads of the database: what a ticket's customer is like, and a draft
checked against it. Used by the ticket page, the API and the send-time check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loket.accounts.models import User
from loket.assist import draft
from loket.assist.actions import customer_register, record_sent_despite_warnings
from loket.assist.models import AssistSettings, CustomerProfile, MessageReading
from loket.tickets.models import Message, MessageKind, Ticket

#: Open questions are taken from this many of the newest customer messages.
QUESTION_MESSAGES = 5


@dataclass
class TicketReading:
    """What the ticket page shows about its customer."""

    language: str = ""
    register: str = "unknown"
    register_source: str = ""
    suggested_language: str = ""
    latest: MessageReading | None = None
    questions: list[str] = field(default_factory=list)


def _open_readings(ticket: Ticket) -> list[MessageReading]:
    waiting = list(
        MessageReading.objects.filter(
            message__ticket=ticket, message__kind=MessageKind.CUSTOMER, message__needs_reply=True
        ).order_by("-message__created_at", "-message_id")[:QUESTION_MESSAGES]
    )
    return waiting


def reading_for(ticket: Ticket) -> TicketReading:
    customer = ticket.customer
    register, source = customer_register(customer)
    profile = (
        CustomerProfile.objects.filter(customer=customer).first() if customer is not None else None
    )
    latest = (
        MessageReading.objects.filter(message__ticket=ticket, message__kind=MessageKind.CUSTOMER)
        .order_by("-message__created_at", "-message_id")
        .first()
    )
    questions: list[str] = []
    for reading in reversed(_open_readings(ticket)):
        questions += [str(q.get("text", "")) for q in reading.questions if isinstance(q, dict)]
    language = (profile.language if profile else "") or (latest.language if latest else "")
    return TicketReading(
        language=language or ticket.language,
        register=register,
        register_source=source,
        suggested_language=profile.suggested_language if profile else "",
        latest=latest,
        questions=questions,
    )


def context_for(ticket: Ticket, user: User) -> draft.Context:
    reading = reading_for(ticket)
    rules = AssistSettings.current()
    customer = ticket.customer
    latest = reading.latest.language if reading.latest is not None else ""
    return draft.Context(
        register=reading.register,
        language=latest or reading.language,
        languages=(reading.language, ticket.language, customer.language if customer else ""),
        questions=tuple(reading.questions),
        internal_words=tuple(rules.internal_word_list()),
        signature=user.signature or "",
    )


def check_draft(ticket: Ticket, user: User, body: str) -> list[dict[str, Any]]:
    return [f.as_dict() for f in draft.check(body, context_for(ticket, user))]


def send_time_check(ticket: Ticket, user: User, body: str) -> list[dict[str, Any]]:
    """The warnings that hold a reply on send (hints such as a missing greeting do not)."""
    return [f for f in check_draft(ticket, user, body) if f["severity"] != "info"]


def sent_anyway(
    ticket: Ticket, user: User, message: Message, warnings: list[dict[str, Any]]
) -> None:
    record_sent_despite_warnings(ticket, message, by=user, warnings=warnings)
