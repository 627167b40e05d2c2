"""Triage learned from the desk's own history: team, category (tag) and priority for a new
ticket, suggested by classifiers trained on the desk's solved tickets.

Training (``train_all``: the periodic job and ``loket assist train``) reads the newest solved
tickets, fits one classifier per field (``triage_model``) and stores it in the database, so
every web node and worker uses the same one. A new ticket's first customer message queues
``triage_ticket`` in the same transaction; it stores one suggestion per field and applies the
ones whose score reaches the admin's threshold through the ticket actions (``system=True``),
each an ordinary ticket event whose reason carries the score. An agent applies the others with
one click (``apply``). A desk with no solved tickets, or with only one team, category or
priority among them, simply gets no model for that field and no suggestions.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from loket.accounts.models import Team, User
from loket.assist.models_triage import (
    SuggestionStatus,
    TriageField,
    TriageModel,
    TriageSettings,
    TriageSuggestion,
)
from loket.tickets import actions
from loket.tickets.models import Event, EventKind, Message, MessageKind, Priority, State, Ticket

if TYPE_CHECKING:
    from loket.assist.triage_model import TextClassifier

log = logging.getLogger(__name__)

MAX_TRAINING_TICKETS = 20_000
KEEP_MODELS = 2
FIELDS = (TriageField.TEAM, TriageField.TAG, TriageField.PRIORITY)


@dataclass(frozen=True)
class Example:
    text: str
    team: str
    priority: str
    tags: tuple[str, ...]


def ticket_text(subject: str, body: str) -> str:
    return f"{subject}\n{body}"


def _first_customer_body() -> Subquery:
    return Subquery(
        Message.objects.filter(ticket_id=OuterRef("pk"), kind=MessageKind.CUSTOMER)
        .order_by("created_at", "id")
        .values("body")[:1]
    )


def history(limit: int = MAX_TRAINING_TICKETS) -> list[Example]:
    """The newest solved tickets (resolved or closed, not merged away) as training examples."""
    rows = list(
        Ticket.objects.filter(state__in=[State.RESOLVED, State.CLOSED], merged_into__isnull=True)
        .order_by("-resolved_at", "-pk")
        .annotate(first_body=_first_customer_body())
        .values_list("pk", "subject", "first_body", "team_id", "priority")[:limit]
    )
    tags: dict[int, list[str]] = {}
    through = Ticket.tags.through.objects.filter(ticket_id__in=[r[0] for r in rows])
    for ticket_id, name in through.values_list("ticket_id", "tag__name").iterator():
        tags.setdefault(ticket_id, []).append(name)
    return [
        Example(
            ticket_text(subject, body or ""),
            str(team_id) if team_id else "",
            str(priority),
            tuple(sorted(tags.get(pk, []))),
        )
        for pk, subject, body, team_id, priority in rows
    ]


def _targets(examples: Sequence[Example]) -> dict[str, tuple[list[int], list[str]]]:
    """Per field, (example rows, labels). Each tag of a ticket is an example of its own: the
    tags compete as categories."""
    team = (
        [i for i, ex in enumerate(examples) if ex.team],
        [ex.team for ex in examples if ex.team],
    )
    priority = (list(range(len(examples))), [ex.priority for ex in examples])
    tag_rows: list[int] = []
    tag_labels: list[str] = []
    for i, ex in enumerate(examples):
        for tag in ex.tags:
            tag_rows.append(i)
            tag_labels.append(tag)
    return {
        TriageField.TEAM: team,
        TriageField.TAG: (tag_rows, tag_labels),
        TriageField.PRIORITY: priority,
    }


def train_all(examples: Sequence[Example] | None = None) -> TriageModel | None:
    """Trains on the desk's history and stores the result; ``None`` (and no stored model, so
    no suggestions) when no field has two choices with enough examples."""
    from loket.assist import triage_model  # scikit-learn loads only where it is used

    if examples is None:
        examples = history()
    started = time.perf_counter()
    classifier = triage_model.train_heads(
        [ex.text for ex in examples], {str(k): v for k, v in _targets(examples).items()}
    )
    seconds = time.perf_counter() - started
    if classifier is None:
        TriageModel.objects.all().delete()
        return None
    row = TriageModel.objects.create(
        blob=triage_model.dumps(classifier),
        examples=len(examples),
        labels={name: head.counts for name, head in classifier.heads.items()},
        train_seconds=round(seconds, 3),
    )
    old = TriageModel.objects.values_list("pk", flat=True)[KEEP_MODELS:]
    TriageModel.objects.filter(pk__in=list(old)).delete()
    return row


# The loaded classifier per process, replaced when another row is the newest. Keyed by id and
# training time: an id alone comes back after a database is emptied or restored (a row with
# the same id but another model would otherwise be read with the old classifier).
_loaded: dict[str, tuple[tuple[int, float], TextClassifier]] = {}
_loading = threading.Lock()


def current() -> tuple[TriageModel, TextClassifier] | None:
    from loket.assist import triage_model

    row = TriageModel.objects.defer("blob").first()
    if row is None:
        return None
    with _loading:
        found = _loaded.get("current")
        key = (row.pk, row.trained_at.timestamp())
        if found is None or found[0] != key:
            blob = TriageModel.objects.filter(pk=row.pk).values_list("blob", flat=True).first()
            if blob is None:
                return None
            found = (key, triage_model.loads(bytes(blob)))
            _loaded["current"] = found
    return row, found[1]


def question(ticket: Ticket) -> str:
    body = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.CUSTOMER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
        .first()
    )
    return ticket_text(ticket.subject, body or "")


def _valid(field: str, value: str) -> bool:
    if field == TriageField.TEAM:
        return value.isdigit() and Team.objects.filter(pk=int(value)).exists()
    if field == TriageField.PRIORITY:
        return value.isdigit() and int(value) in Priority.values
    return bool(value.strip())


def _already(ticket: Ticket, field: str, value: str) -> bool:
    if field == TriageField.TEAM:
        return str(ticket.team_id) == value
    if field == TriageField.PRIORITY:
        return str(ticket.priority) == value
    return ticket.tags.filter(name=value).exists()


def _changed_by_someone(ticket: Ticket, field: str) -> bool:
    """A routing rule or a person already decided this field: triage does not overrule."""
    kinds = {
        TriageField.TEAM: [EventKind.TEAM, EventKind.ESCALATED],
        TriageField.PRIORITY: [EventKind.PRIORITY],
        TriageField.TAG: [EventKind.TAGS],
    }[TriageField(field)]
    return Event.objects.filter(ticket=ticket, kind__in=kinds).exists()


def reason_for(score: float) -> str:
    return _("Triage suggestion, %(score)d%% sure") % {"score": round(score * 100)}


def _apply(ticket: Ticket, field: str, value: str, score: float, by: User | None) -> Ticket:
    system = by is None
    reason = reason_for(score)
    if field == TriageField.TEAM:
        team = Team.objects.get(pk=int(value))
        if by is not None:
            return actions.move_to_team(ticket, team, by=by, reason=reason)
        return actions.move_to_team(ticket, team, by=None, reason=reason, system=True)
    if field == TriageField.PRIORITY:
        return actions.set_priority(
            ticket, Priority(int(value)), by=by, reason=reason, system=system
        )
    names = [*ticket.tags.values_list("name", flat=True), value]
    return actions.set_tags(ticket, names, by=by, reason=reason, system=system)


def suggest(ticket: Ticket) -> list[TriageSuggestion]:
    """Stores this ticket's suggestions and applies the sure ones; returns the suggestions."""
    conf = TriageSettings.current()
    if not conf.enabled or ticket.state == State.CLOSED:
        return []
    loaded = current()
    if loaded is None:
        return []
    row, classifier = loaded
    best = classifier.top_all(question(ticket), 1)
    made: list[TriageSuggestion] = []
    for field in FIELDS:
        if field not in best:
            continue
        label, score = best[field][0]
        if score < conf.suggest_from or not _valid(field, label) or _already(ticket, field, label):
            continue
        with transaction.atomic():
            suggestion, _created = TriageSuggestion.objects.update_or_create(
                ticket=ticket,
                field=field,
                defaults={"value": label, "score": round(score, 4), "model": row,
                          "status": SuggestionStatus.OPEN, "decided_by": None},
            )  # fmt: skip
            if (
                conf.auto(field)
                and score >= conf.threshold
                and not _changed_by_someone(ticket, field)
            ):
                ticket = _apply(ticket, field, label, score, None)
                suggestion.status = SuggestionStatus.AUTO
                suggestion.save(update_fields=["status"])
        made.append(suggestion)
    return made


def open_suggestions(ticket: Ticket) -> list[TriageSuggestion]:
    return list(
        TriageSuggestion.objects.filter(ticket=ticket, status=SuggestionStatus.OPEN).order_by(
            "field"
        )
    )


@transaction.atomic
def apply(suggestion: TriageSuggestion, ticket: Ticket, *, by: User) -> Ticket:
    """An agent takes a suggestion (the access check is the caller's: ``get_ticket_for``)."""
    locked = TriageSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.ticket_id != ticket.pk or locked.status != SuggestionStatus.OPEN:
        raise actions.ActionError(_("This suggestion was already handled."))
    if not _valid(locked.field, locked.value):
        raise actions.ActionError(_("This suggestion no longer fits the desk."))
    ticket = _apply(ticket, locked.field, locked.value, locked.score, by)
    locked.status = SuggestionStatus.APPLIED
    locked.decided_by = by
    locked.save(update_fields=["status", "decided_by"])
    return ticket


@transaction.atomic
def dismiss(suggestion: TriageSuggestion, ticket: Ticket, *, by: User) -> None:
    TriageSuggestion.objects.filter(
        pk=suggestion.pk, ticket=ticket, status=SuggestionStatus.OPEN
    ).update(status=SuggestionStatus.DISMISSED, decided_by=by)


def label_of(suggestion: TriageSuggestion) -> str:
    """The suggested value as an agent reads it."""
    if suggestion.field == TriageField.TEAM:
        team = Team.objects.filter(pk=int(suggestion.value)).first()
        return team.label if team is not None else suggestion.value
    if suggestion.field == TriageField.PRIORITY:
        try:
            return str(Priority(int(suggestion.value)).label)
        except ValueError:
            return suggestion.value
    return suggestion.value
