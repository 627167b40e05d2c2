"""Keeps every ticket's SLA clocks in step with the ticket, by listening to its events.

Every ticket change in ``loket.tickets.actions`` writes an ``Event`` row. A ``post_save``
receiver on ``Event`` runs synchronously inside the action's ``transaction.atomic()`` block,
while the action holds the ticket's row lock: the clocks commit together with the change or
not at all, and two changes to one ticket update the clocks one after the other. The
receiver reads the ticket from the event (the action's own, up-to-date instance) and never
changes the ticket itself.

Events written with ``bulk_create`` (the sweep's own warnings and breaches) send no signal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from django.db.models import Min
from django.db.models.signals import post_save
from django.dispatch import receiver

from loket.accounts.models import Organisation
from loket.lib import bulk, memo
from loket.sla import alarms, still_working
from loket.sla.clocks import Change, Setup, apply
from loket.sla.models import ClockKind, Policy, Target, TicketSla
from loket.tickets import eventlog
from loket.tickets.models import Event, EventKind, Message, MessageKind, State, Ticket

TRACKED = frozenset(
    {
        EventKind.CREATED,
        EventKind.MESSAGE,
        EventKind.STATE,
        EventKind.PRIORITY,
        EventKind.NO_REPLY_NEEDED,
        EventKind.MERGED,
        EventKind.MERGED_INTO,
        EventKind.CUSTOMER,
    }
)

_JUST_CREATED = "_loket_sla_just_created"


# Upper apps that choose a ticket's policy by something SLA does not know (its request type or
# its organisation's kind): each gets the ticket and whether it is being created (then only
# what the creating code said counts; no row of the ticket's exists yet) and returns a policy
# or None. The first answer wins; without one the organisation's policy applies.
PolicyChooser = Callable[[Ticket, bool], Policy | None]
_choosers: dict[str, PolicyChooser] = {}


def register_policy_chooser(name: str, chooser: PolicyChooser) -> None:
    _choosers[name] = chooser


def policy_of(ticket: Ticket, *, new: bool = False) -> Policy | None:
    """The policy for ``ticket``: a registered chooser's, else ``policy_for`` its organisation."""
    for chooser in list(_choosers.values()):
        found = chooser(ticket, new)
        if found is not None:
            return found
    return policy_for(ticket.organisation_id)


def policy_for(organisation_id: int | None) -> Policy | None:
    """The most specific active policy: the organisation's own, its tier's, or the default."""
    return memo.remember(("sla.policy_for", organisation_id), lambda: _policy_for(organisation_id))


def _policy_for(organisation_id: int | None) -> Policy | None:
    tier = ""
    if organisation_id is not None:
        tier = (
            Organisation.objects.filter(pk=organisation_id).values_list("tier", flat=True).first()
            or ""
        )
    candidates = Policy.objects.select_related("calendar").filter(
        is_active=True, organisation__isnull=True, organisation_tier__in=["", tier]
    )
    if organisation_id is not None:
        candidates = candidates | Policy.objects.select_related("calendar").filter(
            is_active=True, organisation_id=organisation_id
        )
    ranked = sorted(candidates, key=lambda p: (-p.specificity, p.pk))
    return ranked[0] if ranked else None


def setup_for(policy: Policy | None, priority: int) -> Setup | None:
    if policy is None:
        return None
    return memo.remember(("sla.setup", policy.pk, priority), lambda: _setup_for(policy, priority))


def _setup_for(policy: Policy, priority: int) -> Setup:
    target = memo.remember(
        ("sla.target", policy.pk, priority),
        lambda: Target.objects.filter(policy=policy, priority=priority).first(),
    )

    def seconds(minutes: int | None) -> int | None:
        return None if minutes is None else minutes * 60

    targets: dict[ClockKind, int | None] = {
        ClockKind.FIRST_RESPONSE: seconds(target.first_response_minutes) if target else None,
        ClockKind.NEXT_RESPONSE: seconds(target.next_response_minutes) if target else None,
        ClockKind.RESOLUTION: seconds(target.resolution_minutes) if target else None,
    }
    pausing = {State.WAITING_CUSTOMER.value}
    if policy.pause_on_third_party:
        pausing.add(State.WAITING_THIRD_PARTY.value)
    return Setup(
        calendar=policy.calendar.calendar(),
        targets=targets,
        pausing=frozenset(pausing),
        warn_percent=policy.warn_percent,
    )


def _oldest_waiting(ticket_id: int) -> datetime | None:
    found: datetime | None = Message.objects.filter(
        ticket_id=ticket_id, needs_reply=True
    ).aggregate(m=Min("created_at"))["m"]
    return found


def _change(event: Event, ticket: Ticket, waiting_since: datetime | None) -> Change:
    message_kind = ""
    if event.kind == EventKind.MESSAGE and isinstance(event.after, dict):
        message_kind = str(event.after.get("kind", ""))
    return Change(
        kind=event.kind,
        at=event.created_at,
        state=ticket.state,
        message_kind=message_kind,
        waiting_since=waiting_since,
        has_customer=ticket.customer_id is not None,
        answered=_merged_answered(event),
    )


def _merged_answered(event: Event) -> bool:
    return (
        event.kind == EventKind.MERGED
        and isinstance(event.after, dict)
        and bool(event.after.get("answered"))
    )


def track(event: Event) -> TicketSla | None:
    """Applies one new event to its ticket's clocks (creating the clocks on CREATED)."""
    if event.kind not in TRACKED:
        return None
    ticket = event.ticket
    if event.kind == EventKind.CREATED:
        sla = TicketSla(ticket=ticket, policy=policy_of(ticket, new=True))
    else:
        # The clocks this very instance just created (``create_ticket``'s CREATED event, then
        # its first MESSAGE) need not be read back.
        found = ticket.__dict__.pop(_JUST_CREATED, None)
        if not isinstance(found, TicketSla) or found.pk != ticket.pk:
            found = (
                TicketSla.objects.select_related("policy__calendar").filter(pk=ticket.pk).first()
            )
        if found is None:
            # A ticket from before the SLA app (or a lost row): rebuild from its history,
            # which already includes this event.
            return rebuild(ticket)
        sla = found
    _step(sla, event, lambda: _oldest_waiting(ticket.pk))
    sla.save(force_insert=event.kind == EventKind.CREATED)
    if event.kind == EventKind.CREATED:
        ticket.__dict__[_JUST_CREATED] = sla
    return sla


def _step(sla: TicketSla, event: Event, oldest_waiting: Callable[[], datetime | None]) -> None:
    """Moves the clocks along with one event (``oldest_waiting``: the ticket's oldest
    unanswered customer message as of this event, read only when needed)."""
    ticket = event.ticket
    if event.kind == EventKind.CUSTOMER:
        sla.policy = policy_of(ticket)
    waiting: datetime | None = None
    customer_message = event.kind == EventKind.MESSAGE and event.after == {
        "kind": MessageKind.CUSTOMER
    }
    if customer_message or event.kind == EventKind.MERGED:
        waiting = oldest_waiting()
    setup = setup_for(sla.policy, ticket.priority)
    apply(sla, _change(event, ticket, waiting), setup)
    if event.kind in (
        EventKind.CREATED,
        EventKind.MESSAGE,
        EventKind.MERGED,
        EventKind.MERGED_INTO,
        EventKind.NO_REPLY_NEEDED,
    ):
        if event.kind == EventKind.CREATED:
            waiting = event.created_at if ticket.customer_id is not None else None
        elif waiting is None:
            waiting = oldest_waiting()
        alarms.reset(sla, waiting, setup)
    still_working.track(sla, event)


def track_many(events: list[Event]) -> None:
    """``track`` for a batch of events written together (``loket.tickets.eventlog``): the
    clocks of every ticket they touch are read, moved through its events in order, and
    written back with a few queries in all."""
    by_ticket: dict[int, list[Event]] = {}
    for event in events:
        if event.kind in TRACKED:
            by_ticket.setdefault(event.ticket_id, []).append(event)
    if not by_ticket:
        return
    fresh = {pk for pk, evs in by_ticket.items() if evs[0].kind == EventKind.CREATED}
    known = {
        sla.pk: sla
        for sla in TicketSla.objects.select_related("policy__calendar").filter(
            pk__in=[pk for pk in by_ticket if pk not in fresh]
        )
    }
    unanswered: dict[int, list[tuple[int, datetime]]] = {}
    for ticket_id, message_id, created_at in Message.objects.filter(
        ticket_id__in=list(by_ticket), needs_reply=True
    ).values_list("ticket_id", "pk", "created_at"):
        unanswered.setdefault(ticket_id, []).append((message_id, created_at))
    created: list[TicketSla] = []
    changed: list[TicketSla] = []
    for ticket_id, ticket_events in by_ticket.items():
        first = ticket_events[0]
        if ticket_id in fresh:
            sla = TicketSla(ticket=first.ticket, policy=policy_of(first.ticket, new=True))
            created.append(sla)
        elif ticket_id in known:
            sla = known[ticket_id]
            changed.append(sla)
        else:
            rebuild(first.ticket)  # its history already holds these events
            continue
        waiting_rows = unanswered.get(ticket_id, [])
        for event in ticket_events:
            _step(sla, event, partial(_oldest_among, waiting_rows, event.message_id))
    if changed:
        # Rewritten rather than ``bulk_update``d: nothing refers to these rows, and one DELETE
        # plus one INSERT beats an UPDATE with a CASE per column for every row many times over.
        TicketSla.objects.filter(pk__in=[sla.pk for sla in changed]).delete()
    bulk.insert([*created, *changed])


def _oldest_among(rows: list[tuple[int, datetime]], upto_message: int | None) -> datetime | None:
    """The oldest unanswered message as of message ``upto_message`` (later ones not yet
    written when the event happened)."""
    times = [at for pk, at in rows if upto_message is None or pk <= upto_message]
    return min(times) if times else None


def rebuild(ticket: Ticket) -> TicketSla:
    """Recomputes a ticket's clocks by replaying its event history through the same rules.

    Used for tickets that have no SLA row yet and after policy changes. Priority and state are
    followed through the events; the policy is chosen for the ticket's current organisation.
    """
    events = list(ticket.events.filter(kind__in=TRACKED).order_by("created_at", "pk"))
    priority_events = [e for e in events if e.kind == EventKind.PRIORITY]
    first_before = priority_events[0].before if priority_events else None
    priority = int(first_before) if first_before is not None else int(ticket.priority)
    policy = policy_of(ticket)
    TicketSla.objects.filter(pk=ticket.pk).delete()
    sla = TicketSla(ticket=ticket, policy=policy)
    state = State.NEW.value
    setup = setup_for(policy, priority)
    messages = {
        m.pk: m
        for m in Message.objects.filter(ticket=ticket).only("pk", "kind", "created_at", "ticket")
    }
    for event in events:
        if event.kind == EventKind.STATE and event.after:
            state = str(event.after)
        elif event.kind == EventKind.MERGED_INTO:
            state = State.CLOSED.value
        elif event.kind == EventKind.PRIORITY and event.after is not None:
            priority = int(event.after)
            setup = setup_for(policy, priority)
        waiting = None
        if event.kind in (EventKind.MESSAGE, EventKind.MERGED):
            message = messages.get(event.message_id or 0)
            waiting = message.created_at if message is not None else event.created_at
        change = Change(
            kind=event.kind,
            at=event.created_at,
            state=state,
            message_kind=str(event.after.get("kind", "")) if isinstance(event.after, dict) else "",
            waiting_since=waiting,
            has_customer=ticket.customer_id is not None,
            answered=_merged_answered(event),
        )
        apply(sla, change, setup)
        still_working.track(sla, event)
    if not events:  # no history at all: time it from its creation
        apply(sla, Change(EventKind.CREATED, ticket.created_at, ticket.state), setup)
        if ticket.state in still_working.ACTIVE:
            sla.quiet_since = ticket.created_at
    alarms.reset(sla, _oldest_waiting(ticket.pk), setup)
    sla.save(force_insert=True)
    return sla


@receiver(post_save, sender=Event, dispatch_uid="loket.sla.track")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if created and not raw and not eventlog.handled_in_batch(instance):
        track(instance)


eventlog.on_batch("sla.track", track_many, order=10)
