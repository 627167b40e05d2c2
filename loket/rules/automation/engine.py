"""Runs the rules when tickets change.

Hooks (tickets knows nothing of rules): ``post_save`` of a ticket ``Event`` (also sent for the
events of a bulk import, after they are written), ``eventlog.bulk_written`` (the SLA sweep's
warnings and breaches) and ``post_save`` of a monitor ``Incident`` or ``IncidentLink``.

An event recorded while a ticket action is still running is kept until the outermost action
has finished (``tickets.actions.core.on_action_done``): a rule then sees, and changes, the
ticket as the whole change left it, and the action's own later steps cannot overwrite the
rule's changes. Work that rules cause is queued and handled in order by the one loop already
running, never by recursion.

For each change the enabled rules with its trigger are tried in order (``position``, id).
A rule whose conditions hold fires in a savepoint: its actions (through the ticket actions,
which write their events), a ``rule`` event on the timeline naming it, and a ``Firing`` row.
Guards: a rule never reacts to the events of its own actions, and fires at most once per
ticket for one change and everything it sets off (as desk triggers do); a ticket's rules stop after
``guard.limit()`` firings in an hour (admins told). A rule that fails at run time (a pattern
too slow, a team deleted, any error) is rolled back to its savepoint and switched off with
the reason, the admins are told, and the ticket change it reacted to still commits. A ticket
action the state of the ticket refuses (``ActionError``) only skips that firing.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from loket.rules.automation import compiled, guard
from loket.rules.automation.compiled import Compiled
from loket.rules.automation.effects import Context
from loket.rules.automation.facts import Facts
from loket.rules.models import Firing, Rule, Trigger
from loket.tickets import eventlog
from loket.tickets.actions import ActionError
from loket.tickets.actions import core as action_core
from loket.tickets.models import Event, EventKind, MessageKind, Ticket

log = logging.getLogger(__name__)

MAX_STEPS = 200
TAG_EFFECTS = {
    "add_tags",
    "remove_tags",
}  # work items per change, a last stop behind the loop guard

# Event kinds that count as "a field changed"; apps with their own field events add theirs
# (custom fields: ``FIELD_KINDS.add("field")``).
FIELD_KINDS: set[str] = {
    EventKind.PRIORITY,
    EventKind.TEAM,
    EventKind.ASSIGNEE,
    EventKind.TAGS,
    EventKind.SUBJECT,
    EventKind.TIER,
    EventKind.ESCALATED,
    "field",
}


@dataclass
class Work:
    ticket_id: int
    trigger: str
    event: Event | None = None
    cause: int | None = None  # the rule whose action wrote the event
    also: list[Event] = field(default_factory=list)  # more events of the trigger, coalesced


_queue: ContextVar[list[Work] | None] = ContextVar("loket_rules_queue", default=None)
_pending: ContextVar[list[Work] | None] = ContextVar("loket_rules_pending", default=None)
# A bulk import's events: gathered from the batch hook until the last one's ``post_save``.
_batch: ContextVar[list[Work] | None] = ContextVar("loket_rules_batch", default=None)
_batch_last: ContextVar[Event | None] = ContextVar("loket_rules_batch_last", default=None)
_applying: ContextVar[int | None] = ContextVar("loket_rules_applying", default=None)
# (rule, ticket) pairs that fired during the running loop: each rule fires at most once per
# ticket per change, however many follow-up events other rules cause.
_fired: ContextVar[set[tuple[int, int]] | None] = ContextVar("loket_rules_fired", default=None)
# The latest customer message's text per ticket, read once per loop (rules do not change it).
_bodies: ContextVar[dict[int, str] | None] = ContextVar("loket_rules_bodies", default=None)


def trigger_for(event: Event) -> str | None:
    kind = event.kind
    if kind == EventKind.MESSAGE:
        after = event.after if isinstance(event.after, dict) else {}
        if after.get("kind") == MessageKind.CUSTOMER:
            message = event.message
            if message is not None and message.created_at == event.ticket.created_at:
                return Trigger.CREATED
            return Trigger.CUSTOMER_REPLIED
        if after.get("kind") == MessageKind.REPLY and event.actor_id is not None:
            return Trigger.AGENT_REPLIED
        return None
    if kind == EventKind.STATE:
        return Trigger.STATE_CHANGED
    if kind == EventKind.SLA_WARNING:
        return Trigger.SLA_WARNING
    if kind == EventKind.SLA_BREACH:
        return Trigger.SLA_BREACH
    if kind in FIELD_KINDS:
        return Trigger.FIELD_CHANGED
    return None


def submit(work: Work) -> None:
    """Handles ``work`` now, or after the running action, bulk batch or loop."""
    queue = _queue.get()
    if queue is not None:
        _add(queue, work)
        return
    batch = _batch.get()
    if batch is not None:
        _add(batch, work)
        return
    if action_core.acting():
        pending = _pending.get()
        if pending is None:
            pending = []
            _pending.set(pending)
        _add(pending, work)
        return
    drain([work])


ABSORBED = (Trigger.FIELD_CHANGED, Trigger.STATE_CHANGED)


def _add(items: list[Work], work: Work) -> None:
    """Queues ``work`` once: work already waiting for the same ticket and trigger covers it
    (it reads the ticket when it runs, and the rules that fired are skipped anyway), and a
    new ticket's own set-up (routing's team, its first tags) is part of its creation."""
    for waiting in items:
        if waiting.ticket_id != work.ticket_id:
            continue
        if waiting.trigger == work.trigger:
            if work.event is not None:
                waiting.also.append(work.event)
            return
        if waiting.trigger == Trigger.CREATED and work.trigger in ABSORBED:
            return
    if work.trigger == Trigger.CREATED:
        items[:] = [
            w for w in items if not (w.ticket_id == work.ticket_id and w.trigger in ABSORBED)
        ]
    items.append(work)


def _action_done(ok: bool) -> None:
    pending = _pending.get()
    if not pending:
        return
    _pending.set(None)
    if ok and _queue.get() is None:
        # Work from an inner action that failed and was rolled back to its savepoint
        # refers to events that no longer exist: those are left out.
        alive = [w for w in pending if w.event is None or _exists(w.event)]
        drain(alive)


def _exists(event: Event) -> bool:
    return event.pk is not None and Event.objects.filter(pk=event.pk).exists()


def drain(items: list[Work], fired: set[tuple[int, int]] | None = None) -> None:
    token = _queue.set(items)
    fired_token = _fired.set(fired if fired is not None else set())
    bodies_token = _bodies.set({})
    try:
        steps = 0
        while items and steps < MAX_STEPS:
            work = items.pop(0)
            steps += 1
            # The events of the firings are written together when the work is done: the
            # receivers (roll-ups, SLA clocks, webhooks) take them as one batch, and those
            # that trigger rules queue their work here (``submit``), in this loop.
            with eventlog.deferred():
                try:
                    run(work)
                except Exception:  # never break the ticket change the rules react to
                    log.exception("automation rules failed on ticket %s", work.ticket_id)
        if items:
            log.warning("automation rules: too much work on one change, %s left", len(items))
            items.clear()
    finally:
        _queue.reset(token)
        _fired.reset(fired_token)
        _bodies.reset(bodies_token)


def run(work: Work, now: datetime | None = None) -> None:
    everything, broken = compiled.enabled()
    for item in broken:
        disable(item.pk, item.reason)
    rules = [r for r in everything if work.trigger in r.triggers]
    if not rules:
        return
    now = now or timezone.now()
    # Read afresh: the event's copy of the ticket may predate later steps of the change
    # (routing's team, a bulk import's snapshot).
    ticket = Ticket.objects.filter(pk=work.ticket_id).first()
    if ticket is None:
        return
    bodies = _bodies.get()
    known = bodies.get(ticket.pk) if bodies is not None else None
    message = work.event.message if work.event is not None else None
    if message is not None and message.kind == MessageKind.CUSTOMER:
        known = message.body
    facts = Facts(ticket, trigger=work.trigger, event=work.event, now=now, body=known)
    facts.more_events = work.also
    budget: int | None = None  # firings left this hour, read when the first rule matches
    fired = _fired.get()
    if fired is None:
        fired = set()
    for rule in rules:
        if rule.pk == work.cause or (rule.pk, ticket.pk) in fired:
            continue
        try:
            hit = rule.predicate(facts)
        except Exception as exc:  # a pattern too slow, a calendar deleted, a bug
            disable(rule.pk, _reason(exc))
            continue
        if not hit:
            continue
        if budget is None:
            budget = guard.remaining(ticket.pk, now)
        if budget <= 0:
            guard.trip(ticket.pk, now)
            return
        fired.add((rule.pk, ticket.pk))
        changed = fire(rule, facts, now)
        if changed is not None:
            budget -= 1
            facts = facts.after(changed, tags_changed=rule.changes_tags)
    if bodies is not None and facts.body is not None:
        bodies[ticket.pk] = facts.body


def _reason(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text[:480]


def fire(rule: Compiled, facts: Facts, now: datetime) -> Ticket | None:
    """Applies ``rule`` to the ticket in a savepoint; returns the ticket as it now is
    (``None``: nothing was changed)."""
    ctx = Context(rule.pk, rule.name, facts.trigger)
    token = _applying.set(rule.pk)
    ticket = facts.ticket
    try:
        with transaction.atomic(), eventlog.discarding_on_error():
            changes: list[str] = []
            current = ticket
            step = facts
            for effect, value in rule.effects:
                plan = effect.plan(step, value)
                current = effect.apply(current, value, ctx)
                step = step.after(current, tags_changed=effect.kind in TAG_EFFECTS)
                if plan:
                    changes.append(plan)
            eventlog.record(
                Event(
                    ticket=current,
                    actor=None,
                    kind=EventKind.RULE,
                    after={"rule": rule.pk, "name": rule.name, "changes": changes},
                    reason=rule.name,
                    created_at=now,
                )
            )
            Firing.objects.create(
                rule_id=rule.pk, ticket_id=ticket.pk, trigger=facts.trigger, changes=changes,
                at=now,
            )  # fmt: skip
        return current
    except (ActionError, PermissionDenied) as exc:
        Firing.objects.create(
            rule_id=rule.pk, ticket_id=ticket.pk, trigger=facts.trigger, ok=False,
            error=_reason(exc), at=now,
        )  # fmt: skip
        return None
    except Exception as exc:
        log.warning("rule %s failed on ticket %s: %s", rule.pk, ticket.pk, exc)
        disable(rule.pk, _reason(exc), ticket_id=ticket.pk, now=now)
        return Ticket.objects.filter(pk=ticket.pk).first()
    finally:
        _applying.reset(token)


def fire_and_follow(rule: Compiled, facts: Facts, now: datetime) -> Ticket | None:
    """``fire``, then the rules its changes trigger (for firings that no event started:
    time-based rules)."""
    items: list[Work] = []
    token = _queue.set(items)
    try:
        changed = fire(rule, facts, now)
    finally:
        _queue.reset(token)
    drain(items, fired={(rule.pk, facts.ticket.pk)})
    return changed


def disable(rule_id: int, reason: str, *, ticket_id: int | None = None, now: Any = None) -> None:
    """Switches a failing rule off with the reason, and tells the admins (once)."""
    from loket.rules.automation.notices import tell_admins

    now = now or timezone.now()
    switched = Rule.objects.filter(pk=rule_id, enabled=True).update(
        enabled=False, disabled_reason=reason[:500], disabled_at=now, updated_at=now
    )
    if not switched:
        return
    if ticket_id is not None:
        Firing.objects.create(
            rule_id=rule_id, ticket_id=ticket_id, trigger="", ok=False, error=reason[:500], at=now
        )
    tell_admins.enqueue("disabled", rule_id, ticket_id, reason)


# --- hooks --------------------------------------------------------------------------------


def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw:
        return
    if instance.kind != EventKind.RULE:
        trigger = trigger_for(instance)
        if trigger is not None and compiled.for_trigger(trigger):
            submit(Work(instance.ticket_id, trigger, event=instance, cause=_applying.get()))
    if instance is _batch_last.get():
        _end_batch()


def _on_batch(events: list[Event]) -> None:
    """A bulk import's events were written; their ``post_save`` follow, each after the
    receivers of the other apps (routing), so the rules wait for the last one and then
    handle the whole batch at once, each ticket as the import left it."""
    if not events or not compiled.enabled()[0]:
        return
    _batch.set([])
    _batch_last.set(events[-1])


def _end_batch() -> None:
    items = _batch.get() or []
    _batch.set(None)
    _batch_last.set(None)
    if items:
        drain(items)


def _on_bulk(sender: Any, events: list[Event], **_: Any) -> None:
    for event in events:
        trigger = trigger_for(event)
        if trigger is None or not compiled.for_trigger(trigger):
            continue
        submit(Work(ticket_id=event.ticket_id, trigger=trigger, event=event))


def _on_incident(sender: Any, instance: Any, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw or not instance.ticket_id:
        return
    if compiled.for_trigger(Trigger.MONITOR_INCIDENT):
        submit(Work(ticket_id=instance.ticket_id, trigger=Trigger.MONITOR_INCIDENT))


def connect() -> None:
    from loket.monitor.models import Incident, IncidentLink

    post_save.connect(_on_event, sender=Event, dispatch_uid="loket.rules.event")
    eventlog.on_batch("loket.rules", _on_batch, order=950)
    eventlog.bulk_written.connect(_on_bulk, sender=Event, dispatch_uid="loket.rules.bulk")
    post_save.connect(_on_incident, sender=Incident, dispatch_uid="loket.rules.incident")
    post_save.connect(_on_incident, sender=IncidentLink, dispatch_uid="loket.rules.incident_link")
    action_core.on_action_done(_action_done)
