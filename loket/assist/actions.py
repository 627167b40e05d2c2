"""What the assistant changes: it stores what it read in a customer message, learns the
customer's register and language, and applies the admin's rules through the ticket actions
(each change a ticket event)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from loket.accounts.models import Team, User
from loket.assist import formality
from loket.assist.analyze import Analysis, analyze
from loket.assist.models import AssistSettings, CustomerProfile, MessageReading, Register
from loket.lib import bulk
from loket.tickets import actions as ticket_actions
from loket.tickets import eventlog
from loket.tickets.models import Event, Message, MessageKind, Priority, Ticket

log = logging.getLogger(__name__)

#: Event kind written when an agent sends a reply despite the draft check's warnings.
SENT_DESPITE_WARNINGS = "assist_override"
#: How much weight one message's evidence adds to what was learned (older ones fade).
LEARN_DECAY = 0.8
#: A language change is suggested when a message says so with at least this confidence.
SUGGEST_CONFIDENCE = 0.8


def read_message(message: Message, *, learn_after_commit: bool = False) -> MessageReading | None:
    """Analyses a customer message once, stores the result and applies what follows from it.

    ``learn_after_commit``: what the message teaches about its writer (register, language) is
    written after the caller's transaction commits, in one of its own. A mail import batch
    is one long transaction: holding the writer's profile row for all of it would make every
    other importer with mail from the same person wait for the whole batch.
    """
    if message.kind != MessageKind.CUSTOMER:
        return None
    if MessageReading.objects.filter(message=message).exists():
        return None
    ticket = message.ticket
    customer = message.author or ticket.customer
    known_language = _known_language(customer)
    result = _analyze(message, known_language)
    if result is None:
        return None
    reading = MessageReading.objects.create(**_reading_fields(message, result))
    if customer is not None and not customer.is_agent:
        if learn_after_commit:
            transaction.on_commit(partial(_learn_later, [(customer.pk, result)]))
        else:
            _learn(customer, result)
    _apply_rules(ticket, result, AssistSettings.current())
    return reading


def read_messages(messages: list[Message]) -> list[MessageReading]:
    """``read_message`` for the customer messages of a bulk import's batch, inside its
    transaction: asking the database what it needs about all of them at once (the readings
    that exist, the writers' known languages, the admin's rules) and writing the readings in
    one INSERT; what the messages teach about their writers is learnt after the batch commits,
    in one transaction (see ``read_message``)."""
    messages = [m for m in messages if m.kind == MessageKind.CUSTOMER and m.pk is not None]
    if not messages:
        return []
    done = set(
        MessageReading.objects.filter(message_id__in=[m.pk for m in messages]).values_list(
            "message_id", flat=True
        )
    )
    messages = [m for m in messages if m.pk not in done]
    writers = {m.pk: m.author or m.ticket.customer for m in messages}
    known = _known_languages([w for w in writers.values() if w is not None])
    rules = AssistSettings.current()
    read: list[tuple[Message, Analysis]] = []
    learnt: list[tuple[int, Analysis]] = []
    for message in messages:
        customer = writers[message.pk]
        result = _analyze(message, known.get(customer.pk, "") if customer is not None else "")
        if result is None:
            continue
        read.append((message, result))
        if customer is not None and not customer.is_agent:
            learnt.append((customer.pk, result))
    readings = [MessageReading(**_reading_fields(message, result)) for message, result in read]
    bulk.insert(readings)
    if learnt:
        transaction.on_commit(partial(_learn_later, learnt))
    for message, result in read:
        _apply_rules(message.ticket, result, rules)
    return readings


def _analyze(message: Message, known_language: str) -> Analysis | None:
    try:
        return analyze(message.body or "", language=known_language)
    except Exception:  # never lose a message to the assistant
        log.exception("assist: could not analyse message %s", message.pk)
        return None


def _reading_fields(message: Message, result: Analysis) -> dict[str, Any]:
    return {
        "message": message,
        "language": result.language,
        "register": result.register.value,
        "register_confidence": result.register.confidence,
        "mood": result.mood.value,
        "urgency": result.urgency.value,
        "data": result.as_dict(),
    }


def _learn_later(learnt: list[tuple[int, Analysis]]) -> None:
    """What messages taught about their writers, in order, in one transaction (the profiles
    that are missing created together, the changed ones written in one statement)."""
    with transaction.atomic():
        customers = User.objects.in_bulk({pk for pk, _result in learnt})
        profiles = {
            p.customer_id: p
            for p in CustomerProfile.objects.select_for_update().filter(customer_id__in=customers)
        }
        missing = [pk for pk in customers if pk not in profiles]
        if missing:
            CustomerProfile.objects.bulk_create(
                [CustomerProfile(customer_id=pk) for pk in missing], ignore_conflicts=True
            )  # another writer's profile of the same customer is kept, and read below
            profiles.update(
                (p.customer_id, p)
                for p in CustomerProfile.objects.select_for_update().filter(customer_id__in=missing)
            )
        changed: dict[int, CustomerProfile] = {}
        for pk, result in learnt:
            customer = customers.get(pk)
            profile = profiles.get(pk)
            if customer is None or profile is None:
                continue
            _learn(customer, result, profile=profile, save=False)
            changed[pk] = profile
        bulk.update_many(list(changed.values()), *_LEARNT)


# What ``_learn`` changes on a profile.
_LEARNT = (
    "formal_score", "informal_score", "register", "language", "suggested_language", "updated_at",
)  # fmt: skip


def _known_language(customer: User | None) -> str:
    if customer is None:
        return ""
    profile = CustomerProfile.objects.filter(customer=customer).first()
    return (profile.language if profile else "") or customer.language


def _known_languages(customers: list[User]) -> dict[int, str]:
    """``_known_language`` of each customer, in one query."""
    learnt = dict(
        CustomerProfile.objects.filter(customer_id__in={c.pk for c in customers})
        .exclude(language="")
        .values_list("customer_id", "language")
    )
    return {c.pk: learnt.get(c.pk) or c.language for c in customers}


def _learn(
    customer: User,
    result: Analysis,
    *,
    profile: CustomerProfile | None = None,
    save: bool = True,
) -> None:
    if profile is None:
        profile, _created = CustomerProfile.objects.get_or_create(customer=customer)
    register = result.register
    if register.value in (formality.FORMAL, formality.INFORMAL):
        formal = sum(c.weight for c in register.cues if c.register == formality.FORMAL)
        informal = sum(c.weight for c in register.cues if c.register == formality.INFORMAL)
        profile.formal_score = profile.formal_score * LEARN_DECAY + formal
        profile.informal_score = profile.informal_score * LEARN_DECAY + informal
        total = profile.formal_score + profile.informal_score
        if total >= formality.MIN_EVIDENCE:
            share = max(profile.formal_score, profile.informal_score) / total
            if share >= formality.DOMINANCE:
                profile.register = (
                    Register.FORMAL
                    if profile.formal_score >= profile.informal_score
                    else Register.INFORMAL
                )
            else:
                profile.register = Register.UNKNOWN
    if result.language:
        if not profile.language:
            profile.language = result.language  # the first message decides
            _set_customer_language(customer, result.language)
        elif result.language != profile.language and (
            result.language_confidence >= SUGGEST_CONFIDENCE
        ):
            profile.suggested_language = result.language  # suggested, never forced
        elif result.language == profile.language:
            profile.suggested_language = ""
    profile.updated_at = timezone.now()
    if save:
        profile.save()


def _set_customer_language(customer: User, language: str) -> None:
    """The customer's own language (pages, mails) when it was not known and Loket has it."""
    if customer.language or language not in {code for code, _n in settings.LANGUAGES}:
        return
    customer.language = language
    customer.save(update_fields=["language"])


def accept_language(customer: User, *, by: User) -> str:
    """The agent takes the suggested language as the customer's language."""
    if not by.is_agent:
        raise PermissionError
    profile = CustomerProfile.objects.filter(customer=customer).first()
    if profile is None or not profile.suggested_language:
        return ""
    profile.language = profile.suggested_language
    profile.suggested_language = ""
    profile.save(update_fields=["language", "suggested_language"])
    if profile.language in {code for code, _n in settings.LANGUAGES}:
        customer.language = profile.language
        customer.save(update_fields=["language"])
    return profile.language


def customer_register(customer: User | None) -> tuple[str, str]:
    """The register to use with ``customer`` and where it comes from: "manual" (set by
    someone, wins), "learned" or ""."""
    if customer is None:
        return formality.UNKNOWN, ""
    if customer.formality in (formality.FORMAL, formality.INFORMAL):
        return customer.formality, "manual"
    profile = CustomerProfile.objects.filter(customer=customer).first()
    if profile is not None and profile.register != Register.UNKNOWN:
        return profile.register, "learned"
    return formality.UNKNOWN, ""


def _apply_rules(ticket: Ticket, result: Analysis, rules: AssistSettings) -> None:
    urgent = result.urgency.value == "high"
    if rules.urgency_raises_priority and urgent and ticket.priority < Priority.HIGH:
        ticket_actions.set_priority(ticket, Priority.HIGH, by=None, system=True)
    if rules.angry_team_id is not None and result.mood.value == "angry":
        team = Team.objects.filter(pk=rules.angry_team_id).first()
        ticket.refresh_from_db(fields=["team", "tier", "state"])
        if team is not None and ticket.team_id != team.pk and ticket.state != "closed":
            cues = ", ".join(result.mood.as_dict()["cues"][:3])
            ticket_actions.move_to_team(
                ticket, team, by=None, reason=f"assist: angry ({cues})", system=True
            )


@transaction.atomic
def record_sent_despite_warnings(
    ticket: Ticket, message: Message | None, *, by: User, warnings: list[dict[str, Any]]
) -> Event:
    """The agent sent a reply although the draft check warned: kept on the ticket's timeline."""
    return eventlog.record(
        Event(
            ticket=ticket,
            actor=by,
            kind=SENT_DESPITE_WARNINGS,
            after={"findings": [w.get("code", "") for w in warnings][:20]},
            reason="; ".join(str(w.get("reason", "")) for w in warnings)[:2000],
            message=message,
        )
    )


def save_settings(
    *, by: User, urgency_raises_priority: bool, angry_team: Team | None, internal_words: str
) -> AssistSettings:
    if not by.is_admin:
        raise PermissionError
    rules = AssistSettings.current()
    rules.urgency_raises_priority = urgency_raises_priority
    rules.angry_team = angry_team
    rules.internal_words = internal_words.strip()[:10_000]
    rules.updated_by = by
    rules.updated_at = timezone.now()
    rules.save()
    return rules
