"""The SLA clocks of one ticket: what each ticket change does to them. No database access.

A clock runs from its start until it is met (an answer, a resolution) or stopped (no reply
needed, resolved without an answer, closed). While the ticket is in a pausing state the
clocks stand still; the business time spent paused is added to the clock when the pause
ends, so ``due = started + (target + paused)`` in business time, always computed from the
start with the pure calendar functions (also after a priority or calendar change).

The resolution clock is "met" when the ticket is resolved; if the ticket is reopened it runs
on, and the time it spent resolved counts as paused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from loket.sla import calendars
from loket.sla.calendars import Calendar
from loket.sla.models import CLOCK_FIELDS, ClockKind, ClockStatus, TicketSla
from loket.tickets.models import EventKind, MessageKind, State

DONE_STATES = frozenset({State.RESOLVED, State.CLOSED})
OPEN_STATES = tuple(s for s in State if s not in DONE_STATES)
FR, NR, RES = ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE, ClockKind.RESOLUTION
US = 1_000_000


@dataclass
class Clock:
    kind: ClockKind
    status: str
    target_s: int | None
    started_at: datetime | None
    paused_us: int
    due_at: datetime | None
    warn_at: datetime | None
    warned: bool
    breached_at: datetime | None
    stopped_at: datetime | None

    @property
    def running(self) -> bool:
        return self.status == ClockStatus.RUNNING


# Each clock's columns on ``TicketSla`` ("first_response_status", …), and a reader for them.
_COLUMNS = {kind: tuple(f"{kind}_{name}" for name in CLOCK_FIELDS) for kind in ClockKind}
_READ = {kind: attrgetter(*columns) for kind, columns in _COLUMNS.items()}
_FIELDS = attrgetter(*CLOCK_FIELDS)


def get(sla: TicketSla, kind: ClockKind) -> Clock:
    return Clock(kind, *_READ[kind](sla))


def put(sla: TicketSla, clock: Clock) -> None:
    for column, value in zip(_COLUMNS[clock.kind], _FIELDS(clock), strict=True):
        setattr(sla, column, value)


@dataclass(frozen=True)
class Setup:
    """What the ticket's policy says: the calendar, the targets (business seconds, ``None``
    for no target) for the ticket's current priority, and which states pause the clocks."""

    calendar: Calendar
    targets: dict[ClockKind, int | None]
    pausing: frozenset[str]
    warn_percent: int = 80


@dataclass(frozen=True)
class Change:
    """One ticket change, as the clocks see it."""

    kind: str  # an EventKind value
    at: datetime
    state: str  # the ticket's state after the change
    message_kind: str = ""
    waiting_since: datetime | None = None  # oldest customer message still needing a reply
    has_customer: bool = True
    answered: bool = False  # a merge brought in a public reply: the first reply was given


@dataclass
class _Work:
    sla: TicketSla
    setup: Setup
    clocks: dict[ClockKind, Clock] = field(default_factory=dict)


def _paused_between(setup: Setup, start: datetime, end: datetime) -> int:
    if end <= start:
        return 0
    return setup.calendar.between_us(calendars.to_us(start), calendars.to_us(end))


def _start(work: _Work, kind: ClockKind, at: datetime) -> None:
    work.clocks[kind] = Clock(
        kind=kind,
        status=ClockStatus.RUNNING,
        target_s=work.setup.targets.get(kind),
        started_at=at,
        paused_us=0,
        due_at=None,
        warn_at=None,
        warned=False,
        breached_at=None,
        stopped_at=None,
    )


def _stop(work: _Work, kind: ClockKind, at: datetime, status: ClockStatus) -> None:
    clock = work.clocks[kind]
    if not clock.running:
        return
    since = work.sla.paused_since
    if since is not None and clock.started_at is not None:
        clock.paused_us += _paused_between(work.setup, max(since, clock.started_at), at)
    clock.status = status
    clock.stopped_at = at
    clock.due_at = clock.warn_at = None


def _resume(work: _Work, at: datetime) -> None:
    since = work.sla.paused_since
    assert since is not None
    for clock in work.clocks.values():
        if clock.running and clock.started_at is not None:
            clock.paused_us += _paused_between(work.setup, max(since, clock.started_at), at)
    work.sla.paused_since = None


def apply(sla: TicketSla, change: Change, setup: Setup | None) -> None:
    """Brings the clocks of ``sla`` up to date with ``change`` (in memory; the caller saves)."""
    if setup is None:  # no policy applies: nothing is timed
        for kind in TicketSla.KINDS:
            clock = get(sla, kind)
            clock.due_at = clock.warn_at = None
            put(sla, clock)
        schedule(sla, None, change.at)
        return
    sla.warn_percent = setup.warn_percent
    work = _Work(sla, setup, {kind: get(sla, kind) for kind in TicketSla.KINDS})
    at, state = change.at, change.state
    pausing = state in setup.pausing
    if sla.paused_since is not None and not pausing:
        _resume(work, at)

    if change.kind == EventKind.CREATED:
        _start(work, RES, at)
        if change.has_customer:
            _start(work, FR, at)
    elif change.kind in (EventKind.MESSAGE, EventKind.MERGED):
        if change.kind == EventKind.MERGED and change.answered:
            _stop(work, FR, at, ClockStatus.MET)
        if change.kind == EventKind.MESSAGE and change.message_kind == MessageKind.REPLY:
            _stop(work, FR, at, ClockStatus.MET)
            _stop(work, NR, at, ClockStatus.MET)
        elif (
            (change.message_kind == MessageKind.CUSTOMER or change.kind == EventKind.MERGED)
            and change.waiting_since is not None
            and not work.clocks[FR].running
            and not work.clocks[NR].running
        ):
            _start(work, NR, min(change.waiting_since, at))
    elif change.kind == EventKind.NO_REPLY_NEEDED:
        _stop(work, FR, at, ClockStatus.STOPPED)
        _stop(work, NR, at, ClockStatus.STOPPED)

    if state in DONE_STATES:
        # Only the change *into* resolved/closed stops the clocks: a customer's message on a
        # resolved ticket starts a response clock just before the ticket is reopened.
        if change.kind in (EventKind.STATE, EventKind.MERGED_INTO):
            _stop(work, FR, at, ClockStatus.STOPPED)
            _stop(work, NR, at, ClockStatus.STOPPED)
            _stop(work, RES, at, ClockStatus.MET)
    else:
        res = work.clocks[RES]
        if res.status == ClockStatus.MET and res.stopped_at is not None:
            # Reopened: the resolution clock runs on; the time spent resolved is not counted.
            res.paused_us += _paused_between(setup, res.stopped_at, at)
            res.status, res.stopped_at = ClockStatus.RUNNING, None
    if pausing and sla.paused_since is None and state not in DONE_STATES:
        sla.paused_since = at

    for kind, clock in work.clocks.items():
        clock.target_s = setup.targets.get(kind)
        put(sla, clock)
    schedule(sla, setup, at)


def plan(
    cal: Calendar, started_at: datetime, target_s: int, paused_us: int, warn_percent: int
) -> tuple[datetime, datetime]:
    """The due and warning instants of a running, unpaused clock."""
    start = calendars.to_us(started_at)
    due = cal.add_us(start, target_s * US + paused_us)
    warn = cal.add_us(start, target_s * US * warn_percent // 100 + paused_us)
    return calendars.from_us(due), calendars.from_us(warn)


def schedule(sla: TicketSla, setup: Setup | None, now: datetime) -> None:
    """Recomputes every running clock's due and warning instants, and the row's
    ``due_at`` and ``next_check_at``."""
    for kind in TicketSla.KINDS:
        clock = get(sla, kind)
        if (
            setup is None
            or not clock.running
            or clock.target_s is None
            or clock.started_at is None
            or sla.paused_since is not None
        ):
            clock.due_at = clock.warn_at = None
        else:
            clock.due_at, clock.warn_at = plan(
                setup.calendar, clock.started_at, clock.target_s, clock.paused_us, sla.warn_percent
            )
            if clock.warned and clock.breached_at is None and clock.warn_at > now:
                clock.warned = False  # the target moved out (lower priority): warn again later
        put(sla, clock)
    refresh_checks(sla)


def refresh_checks(sla: TicketSla) -> None:
    """``due_at``: the earliest due instant; ``next_check_at``: the earliest warning or
    breach not yet acted on (the sweep's index)."""
    dues: list[datetime] = []
    checks: list[datetime] = []
    for kind in TicketSla.KINDS:
        clock = get(sla, kind)
        if not clock.running or clock.due_at is None or clock.warn_at is None:
            continue
        dues.append(clock.due_at)
        if clock.breached_at is None:
            checks.append(clock.due_at)
            if not clock.warned:
                checks.append(clock.warn_at)
    sla.due_at = min(dues, default=None)
    sla.next_check_at = min(checks, default=None)


def used_us(sla: TicketSla, clock: Clock, cal: Calendar, now: datetime) -> int:
    """Business time the clock has counted so far (pauses excluded)."""
    if clock.started_at is None:
        return 0
    end = now
    if clock.stopped_at is not None:
        end = clock.stopped_at
    elif sla.paused_since is not None:
        end = max(clock.started_at, sla.paused_since)
    if end <= clock.started_at:
        return 0
    elapsed = cal.between_us(calendars.to_us(clock.started_at), calendars.to_us(end))
    return max(0, elapsed - clock.paused_us)


def remaining_us(sla: TicketSla, clock: Clock, cal: Calendar, now: datetime) -> int | None:
    """Business time left before the clock's target (negative when past it), or ``None``."""
    if clock.target_s is None:
        return None
    return clock.target_s * US - used_us(sla, clock, cal, now)
