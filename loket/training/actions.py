"""State changes of the training desk (exercises, attempts, reviews)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.tickets.models import Message, MessageKind, State, Ticket
from loket.training.anonymise import anonymise
from loket.training.models import CRITERIA, Attempt, Exercise, Review

SOLVED = (State.RESOLVED, State.CLOSED)


def create_exercise(
    *, title: str, language: str, customer_message: str, reference_answer: str = "", by: User
) -> Exercise:
    if not title.strip() or not customer_message.strip():
        raise ValidationError(_("An exercise needs a title and the customer's message."))
    return Exercise.objects.create(
        title=title.strip(),
        language=language,
        customer_message=customer_message.strip(),
        reference_answer=reference_answer.strip(),
        created_by=by,
    )


def _people(ticket: Ticket) -> tuple[list[str], list[str]]:
    people: set[str] = set()
    for user in [ticket.customer, *(m.author for m in ticket.messages.all())]:
        if user is not None:
            people.update(n for n in (user.name, user.display_name, user.email) if n)
    organisations = [ticket.organisation.name] if ticket.organisation is not None else []
    return sorted(people), organisations


def exercise_from_ticket(ticket: Ticket, *, by: User) -> Exercise:
    """A solved ticket made anonymous: its first customer message to answer, its first public
    reply as the reviewers' reference."""
    if ticket.state not in SOLVED:
        raise ValidationError(_("Only a solved ticket can become an exercise."))
    messages = list(ticket.messages.select_related("author").order_by("created_at", "pk"))
    question = next((m for m in messages if m.kind == MessageKind.CUSTOMER), None)
    if question is None:
        raise ValidationError(_("This ticket has no message from the customer."))
    answer = next((m for m in messages if m.kind == MessageKind.REPLY), None)
    people, organisations = _people(ticket)

    def clean(text: str) -> str:
        return anonymise(text, people=people, organisations=organisations)

    return Exercise.objects.create(
        title=clean(ticket.subject)[:200],
        language=ticket.language or "nl",
        customer_message=clean(question.body),
        reference_answer=clean(answer.body) if answer else "",
        from_ticket=ticket.pk,
        created_by=by,
    )


def set_archived(exercise: Exercise, archived: bool) -> None:
    Exercise.objects.filter(pk=exercise.pk).update(archived=archived)


def open_attempt(exercise: Exercise, agent: User) -> Attempt:
    """The agent's unsent answer to an exercise (the clock runs from the first opening)."""
    existing = Attempt.objects.filter(
        exercise=exercise, agent=agent, submitted_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Attempt.objects.create(exercise=exercise, agent=agent)
    except IntegrityError:  # opened twice at once
        return Attempt.objects.get(exercise=exercise, agent=agent, submitted_at__isnull=True)


def submit_attempt(attempt: Attempt, answer: str) -> Attempt:
    if attempt.submitted_at is not None:
        raise ValidationError(_("This answer was handed in already."))
    if not answer.strip():
        raise ValidationError(_("Write an answer first."))
    attempt.answer = answer.strip()
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["answer", "submitted_at"])
    return attempt


@dataclass(frozen=True)
class Scores:
    correct: int
    complete: int
    register: int
    tone: int
    speed: int

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Scores:
        values = {}
        for criterion in CRITERIA:
            try:
                value = int(data.get(criterion, ""))
            except (TypeError, ValueError):
                value = 0
            if not 1 <= value <= 5:
                raise ValidationError(_("Give every criterion a score from 1 to 5."))
            values[criterion] = value
        return cls(**values)


def review(
    *,
    reviewer: User,
    scores: Scores,
    comment: str = "",
    attempt: Attempt | None = None,
    message: Message | None = None,
) -> Review:
    """Scores one answer (a practice attempt or a real public reply); a reviewer's second
    review of the same answer replaces the first."""
    if (attempt is None) == (message is None):
        raise ValueError("review one answer: an attempt or a message")
    if attempt is not None and attempt.submitted_at is None:
        raise ValidationError(_("This answer has not been handed in yet."))
    if message is not None and (message.kind != MessageKind.REPLY or message.author is None):
        raise ValidationError(_("Only an agent's public reply can be reviewed."))
    agent = attempt.agent if attempt is not None else message.author  # type: ignore[union-attr]
    assert agent is not None
    if agent.pk == reviewer.pk:
        raise ValidationError(_("Nobody reviews their own answers."))
    values = {c: getattr(scores, c) for c in CRITERIA}
    with transaction.atomic():
        found, _created = Review.objects.update_or_create(
            attempt=attempt,
            message=message,
            reviewer=reviewer,
            defaults={**values, "agent": agent, "comment": comment.strip()},
        )
    return found
