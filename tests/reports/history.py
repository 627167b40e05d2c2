"""Random ticket histories written through the real actions at chosen instants, and a plain
recomputation of every report figure from the raw rows (independent of loket.reports)."""

from __future__ import annotations

import contextlib
import math
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import time_machine
from django.utils import timezone

from loket.accounts.models import Tier, User
from loket.tickets import actions
from loket.tickets.actions import ActionError
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind, State, Ticket
from tests.conftest import Desk

OPS = ("reply", "customer", "escalate", "resolve", "reopen", "note")
CHANNELS = (Channel.WEB, Channel.EMAIL, Channel.PHONE)


@dataclass(frozen=True)
class Plan:
    start: datetime
    channel: Channel
    by_tech: bool
    steps: list[tuple[int, str]]  # (minutes after the previous step, operation)


def write(desk: Desk, plan: Plan, customer: User | None = None) -> Ticket:
    """``plan`` as a ticket of ``customer`` (default Alice of Acme)."""
    customer = customer or desk.acme_alice
    with time_machine.travel(plan.start, tick=False):
        ticket = actions.create_ticket(
            subject="Banner", body="It is gone.", customer=customer,
            channel=plan.channel, by=customer,
        )  # fmt: skip
        agent = desk.tech if plan.by_tech else desk.agent
        ticket = actions.assign(ticket, agent, by=desk.manager)
    when = plan.start
    for gap, op in plan.steps:
        when += timedelta(minutes=gap + 1)
        with time_machine.travel(when, tick=False):
            ticket.refresh_from_db()
            with contextlib.suppress(ActionError):
                _apply(desk, ticket, op)
    ticket.refresh_from_db()
    return ticket


def _apply(desk: Desk, ticket: Ticket, op: str) -> None:
    if op == "reply":
        actions.reply(ticket, body="Fixed?", by=ticket.assignee or desk.agent)
    elif op == "customer":
        actions.add_customer_message(
            ticket, body="Still gone.", author=ticket.customer, channel=ticket.channel,
            by=ticket.customer,
        )  # fmt: skip
    elif op == "escalate" and ticket.tier < Tier.MANAGEMENT:
        actions.escalate(ticket, Tier(ticket.tier + 1), by=desk.agent, reason="Too hard.")
    elif op == "resolve":
        actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    elif op == "reopen" and ticket.state == State.RESOLVED:
        actions.change_state(ticket, State.OPEN, by=desk.agent)
    elif op == "note":
        actions.add_note(ticket, body="Looked at it.", by=desk.agent)


def local(value: datetime) -> date:
    return timezone.localtime(value).date()


def nearest_rank(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def r2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def recompute(
    since: datetime, until: datetime, organisations: set[int | None] | None = None
) -> dict[str, object]:
    """Every figure the tests compare, from the raw rows, by plain Python; only of the tickets
    of ``organisations`` when given."""
    tickets = list(Ticket.objects.all())
    if organisations is not None:
        tickets = [t for t in tickets if t.organisation_id in organisations]
    ids = {t.pk for t in tickets}
    messages = [m for m in Message.objects.all() if m.ticket_id in ids]
    events = sorted(
        (e for e in Event.objects.all() if e.ticket_id in ids), key=lambda e: (e.created_at, e.pk)
    )

    def inside(moment: datetime | None) -> bool:
        return moment is not None and since <= moment < until

    created = Counter(local(t.created_at) for t in tickets if inside(t.created_at))
    solved = Counter(
        local(e.created_at) for e in events
        if e.kind == EventKind.STATE and e.after == State.RESOLVED and inside(e.created_at)
    )  # fmt: skip
    first: list[float] = []
    first_by_agent: dict[int | None, list[float]] = {}
    for t in tickets:
        replies = [m.created_at for m in messages if m.ticket_id == t.pk and m.kind == "reply"]
        if inside(t.created_at) and replies:
            hours = (min(replies) - t.created_at).total_seconds() / 3600
            first.append(hours)
            first_by_agent.setdefault(t.assignee_id, []).append(hours)
    solved_tickets = [t for t in tickets if inside(t.resolved_at)]
    resolution = [(t.resolved_at - t.created_at).total_seconds() / 3600 for t in solved_tickets]  # type: ignore[operator]
    reply_count = sum(
        1 for m in messages
        if m.kind == MessageKind.REPLY and m.ticket_id in {t.pk for t in solved_tickets}
    )  # fmt: skip
    # First-line / first-contact, replayed here without loket.tickets.metrics.
    first_line = first_contact = judged = 0
    for t in solved_tickets:
        escalated = False
        replies_n = follow = 0
        verdict: tuple[bool, bool] | None = None
        for e in (e for e in events if e.ticket_id == t.pk):
            if e.kind == EventKind.ESCALATED:
                escalated = True
            elif e.kind == EventKind.MESSAGE and isinstance(e.after, dict):
                if e.after.get("kind") == "reply":
                    replies_n += 1
                elif e.after.get("kind") == "customer" and replies_n:
                    follow += 1
            elif e.kind == EventKind.STATE:
                if e.after == State.RESOLVED:
                    verdict = (not escalated, not escalated and replies_n == 1 and follow == 0)
                elif e.after != State.CLOSED:
                    verdict = None
        if verdict is not None:
            judged += 1
            first_line += verdict[0]
            first_contact += verdict[1]
    escalations = Counter(
        e.after["tier"] for e in events
        if e.kind == EventKind.ESCALATED and inside(e.created_at) and isinstance(e.after, dict)
    )  # fmt: skip
    agent_solved = Counter(t.assignee_id for t in solved_tickets)
    agent_replies = Counter(
        m.author_id for m in messages if m.kind == MessageKind.REPLY and inside(m.created_at)
    )
    return {
        "created": created,
        "solved": solved,
        "first_median": r2(med(first)),
        "first_p90": r2(nearest_rank(first, 90)),
        "first_n": len(first),
        "first_by_agent": {k: r2(med(v)) for k, v in first_by_agent.items()},
        "resolution_median": r2(med(resolution)),
        "resolution_p90": r2(nearest_rank(resolution, 90)),
        "replies_avg": r2(reply_count / len(solved_tickets)) if solved_tickets else None,
        "first_line": pct(first_line, judged),
        "first_contact": pct(first_contact, judged),
        "escalations": escalations,
        "agent_solved": agent_solved,
        "agent_replies": agent_replies,
    }
