"""Per ticket, what the reports read from its events (``TicketFacts``), and the roll-up cells
(``Tally`` keys) the ticket counts in, as one pure function of the facts and the ticket.

``apply`` is the one reading of an event, used both as events are written (``tally``) and when
rebuilding; ``cells`` says where the ticket counts now. A change writes the difference between
the cells before and after as delta rows, so a ticket moved to another team, agent or tier
takes its counts along (the reports filter by the ticket's team, tier, agent and organisation
now, as the raw rows would).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from loket.reports.models import TicketFacts
from loket.tickets.models import EscalationReason, EventKind, MessageKind, State

KINDS = (EventKind.ESCALATED, EventKind.MESSAGE, EventKind.STATE)
REASONS = list(EscalationReason.values)
SLA_CLOCKS = ("first_response", "next_response", "resolution")


class M:
    """Metric codes of ``Tally.metric`` (stored: never renumber)."""

    CREATED = 1  # bucket: local ISO weekday * 24 + hour of creation; day: creation
    SOLVED = 2  # resolutions (state events to resolved) per day of the event
    FIRST_RESPONSE = 3  # bucket: duration bucket; day: creation
    RESOLVED = 4  # latest resolution, bucket: duration bucket of the resolution time
    FIRST_LINE = 5  # latest resolution judged first-line
    FIRST_CONTACT = 6  # latest resolution judged first-contact
    REPLIES = 7  # public replies of the tickets resolved that day (n = replies)
    ESCALATION = 8  # bucket: tier * 100 + reason index; day: the escalation
    ESCALATED_BY = 9  # bucket: the escalating user's id (0: nobody)
    REPLY_BY = 10  # bucket: the author's id (0: nobody); day: the reply
    OPEN = 11  # open now; bucket: local hour of creation; day: creation
    SLA = 12  # bucket: clock index * 10 + (1 met, 2 breached, 3 running); day: creation
    CSAT_SENT = 20  # surveys: day of sending, the survey's own agent/team/channel/...
    CSAT_RATED = 21
    CSAT_SATISFIED = 22


# --- durations in log buckets -------------------------------------------------------------
# Bucket b holds durations in [1.01^b, 1.01^(b+1)) seconds, -1 those under a second. A bucket
# stands for 1.01^(b + 1/2): within 0.5% of any duration in it (0 for under a second).
STEP = 1.01
ERROR_BOUND = 0.005


def duration_bucket(seconds: float) -> int:
    if seconds < 1:
        return -1
    return math.floor(math.log(seconds) / math.log(STEP))


def bucket_seconds(bucket: int) -> float:
    return 0.0 if bucket < 0 else float(STEP ** (bucket + 0.5))


# --- the desk's days ----------------------------------------------------------------------


def local(value: datetime) -> datetime:
    """In the desk's time zone (settings.TIME_ZONE), whoever's request this is."""
    return timezone.localtime(value, timezone.get_default_timezone())


def day_of(value: datetime) -> str:
    return local(value).date().isoformat()


@dataclass
class TicketDims:
    created_at: datetime
    channel: str
    team_id: int | None
    organisation_id: int | None
    tier: int
    agent_id: int | None
    state: str
    resolved_at: datetime | None

    @classmethod
    def of(cls, ticket: Any) -> TicketDims:
        return cls(
            ticket.created_at, ticket.channel, ticket.team_id, ticket.organisation_id,
            ticket.tier, ticket.assignee_id, ticket.state, ticket.resolved_at,
        )  # fmt: skip


Key = tuple[str, int, int, str, int | None, int | None, int, int | None]
Cells = dict[Key, int]


def _bump(counter: dict[str, int], key: str, n: int = 1) -> None:
    counter[key] = counter.get(key, 0) + n


def apply(
    facts: TicketFacts,
    kind: str,
    after: Any,
    at: datetime,
    *,
    message_at: datetime | None = None,
    author_id: int | None = None,
    actor_id: int | None = None,
) -> bool:
    """Applies one event; says whether anything changed."""
    if facts.counts is None:
        facts.counts = {}
    counts: dict[str, dict[str, int]] = facts.counts
    if kind == EventKind.ESCALATED:
        data = after if isinstance(after, dict) else {}
        tier = data.get("tier")
        if isinstance(tier, int):
            reason = data.get("reason_kind")
            index = REASONS.index(reason) if reason in REASONS else REASONS.index("other")
            _bump(counts.setdefault("e", {}), f"{day_of(at)}|{tier * 100 + index}")
        _bump(counts.setdefault("x", {}), f"{day_of(at)}|{actor_id or 0}")
        facts.escalated = True
    elif kind == EventKind.MESSAGE and isinstance(after, dict):
        message_kind = after.get("kind")
        if message_kind == MessageKind.REPLY:
            facts.replies += 1
            # The message's own time (the event is written a moment after it).
            when = message_at or at
            if facts.first_reply_at is None or when < facts.first_reply_at:
                facts.first_reply_at = when
            _bump(counts.setdefault("r", {}), f"{day_of(when)}|{author_id or 0}")
        elif message_kind == MessageKind.CUSTOMER and facts.replies > 0:
            facts.follow_ups += 1
        else:
            return False
    elif kind == EventKind.STATE:
        if after == State.RESOLVED:
            facts.resolved = True
            facts.first_line = not facts.escalated
            facts.first_contact = facts.first_line and facts.replies == 1 and facts.follow_ups == 0
            _bump(counts.setdefault("s", {}), day_of(at))
        elif after != State.CLOSED:
            facts.resolved = False
        else:
            return False
    else:
        return False
    return True


def set_sla(facts: TicketFacts, sla: Any) -> bool:
    """The SLA clocks' verdicts (met in time, breached, running) from a ``TicketSla``."""
    codes = []
    for clock in SLA_CLOCKS:
        if getattr(sla, f"{clock}_breached_at") is not None:
            codes.append(2)
        elif getattr(sla, f"{clock}_status") == "met":
            codes.append(1)
        elif getattr(sla, f"{clock}_status") == "running":
            codes.append(3)
        else:
            codes.append(0)
    if facts.counts is None:
        facts.counts = {}
    if facts.counts.get("sla") == codes:
        return False
    facts.counts["sla"] = codes
    return True


def cells(facts: TicketFacts, t: TicketDims) -> Cells:
    """Where the ticket counts now: roll-up key -> n."""
    out: Cells = {}
    dims = (t.channel, t.team_id, t.organisation_id, t.tier, t.agent_id)

    def add(day: str, metric: int, bucket: int = 0, n: int = 1) -> None:
        if n:
            key: Key = (day, metric, bucket, *dims)
            out[key] = out.get(key, 0) + n

    created = local(t.created_at)
    created_day = created.date().isoformat()
    add(created_day, M.CREATED, created.isoweekday() * 24 + created.hour)
    if t.state not in (State.RESOLVED, State.CLOSED):
        add(created_day, M.OPEN, created.hour)
    if facts.first_reply_at is not None:
        seconds = (facts.first_reply_at - t.created_at).total_seconds()
        add(created_day, M.FIRST_RESPONSE, duration_bucket(seconds))
    if facts.resolved and t.resolved_at is not None:
        day = day_of(t.resolved_at)
        add(day, M.RESOLVED, duration_bucket((t.resolved_at - t.created_at).total_seconds()))
        add(day, M.FIRST_LINE, n=int(facts.first_line))
        add(day, M.FIRST_CONTACT, n=int(facts.first_contact))
        add(day, M.REPLIES, n=facts.replies)
    counts: dict[str, Any] = facts.counts or {}
    for day, n in counts.get("s", {}).items():
        add(day, M.SOLVED, n=n)
    for metric, name in ((M.ESCALATION, "e"), (M.ESCALATED_BY, "x"), (M.REPLY_BY, "r")):
        for key, n in counts.get(name, {}).items():
            day, bucket = key.split("|")
            add(day, metric, int(bucket), n)
    for index, code in enumerate(counts.get("sla", [])):
        if code:
            add(created_day, M.SLA, index * 10 + code)
    return out


def stored_cells(facts: TicketFacts) -> Cells:
    return {(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]): c[8] for c in facts.cells or []}


def as_stored(found: Cells) -> list[list[Any]]:
    return [[*key, n] for key, n in found.items()]


def difference(before: Cells, after: Cells) -> Cells:
    out: Cells = {}
    for key in set(before) | set(after):
        n = after.get(key, 0) - before.get(key, 0)
        if n:
            out[key] = n
    return out


def as_date(day: str) -> date:
    return date.fromisoformat(day)


def hours_of(bucket: int) -> float:
    return bucket_seconds(bucket) / 3600


def age_hours(day: date, hour: int, now: datetime) -> float:
    """Hours from the start of a local hour on ``day`` to ``now``."""
    start = datetime.combine(day, datetime.min.time()).replace(hour=hour)
    aware = timezone.make_aware(start, timezone.get_default_timezone())
    return (now - aware) / timedelta(hours=1)
