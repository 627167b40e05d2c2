"""Who is on duty or on call, when nobody is, and what comes next.

Everything is computed from the rota rows as intervals of epoch microseconds (the same
representation and wall-clock rules as :mod:`loket.sla.calendars`: a shift at a local time
that does not exist on a DST day starts at the same offset as before the change), then
combined with set operations: weekly shifts, plus one-off shifts, minus swapped-away shifts,
minus leave. Only approved one-off shifts count (a proposed swap changes nothing yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Q

from loket.accounts.models import Team, User
from loket.rota.models import Leave, Role, Shift, ShiftChange, SwapStatus, TeamRota
from loket.sla import calendars
from loket.sla.calendars import Calendar, from_us, to_us

Interval = tuple[int, int]
HOUR_US = 3_600_000_000


def union(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(keep: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    cuts = union(remove)
    for start, end in union(keep):
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            if cut_end <= start or cut_start >= end:
                continue
            next_pieces: list[Interval] = []
            for s, e in pieces:
                if cut_start > s:
                    next_pieces.append((s, min(e, cut_start)))
                if cut_end < e:
                    next_pieces.append((max(s, cut_end), e))
            pieces = next_pieces
        out.extend(p for p in pieces if p[1] > p[0])
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    a_list, b_list = union(a), union(b)
    return subtract(a_list, subtract(a_list, b_list))


def contains(intervals: Iterable[Interval], at: int) -> bool:
    return any(start <= at < end for start, end in intervals)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _wall(day: date, at: time, tz: ZoneInfo, next_day: bool = False) -> int:
    if next_day:
        day += timedelta(days=1)
    return to_us(datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz))


def shift_intervals(shift: Shift, tz: ZoneInfo, first: date, last: date) -> list[Interval]:
    """The occurrences of a weekly shift that start on local days ``first..last``."""
    out: list[Interval] = []
    day = first + timedelta(days=(shift.weekday - first.weekday()) % 7)
    crosses = shift.end <= shift.start
    while day <= last:
        if (shift.valid_from is None or day >= shift.valid_from) and (
            shift.valid_until is None or day <= shift.valid_until
        ):
            out.append((_wall(day, shift.start, tz), _wall(day, shift.end, tz, crosses)))
        day += timedelta(days=7)
    return out


@dataclass
class Rota:
    """A team's rota worked out for the window ``[start, end)`` (epoch microseconds)."""

    team: Team
    tz: ZoneInfo
    calendar: Calendar
    start: int
    end: int
    duty: dict[int, list[Interval]] = field(default_factory=dict)
    on_call: dict[int, list[Interval]] = field(default_factory=dict)

    def by_role(self, role: Role) -> dict[int, list[Interval]]:
        return self.duty if role == Role.DUTY else self.on_call

    def agents_at(self, at: datetime, role: Role = Role.DUTY) -> list[int]:
        moment = to_us(at)
        return sorted(a for a, spans in self.by_role(role).items() if contains(spans, moment))

    def open_time(self) -> list[Interval]:
        return self.calendar.open_intervals_us(self.start, self.end)

    def gaps(self) -> list[Interval]:
        """Stretches nobody covers: open hours without anyone on duty, and closed hours
        without anyone on duty or on call."""
        window = [(self.start, self.end)]
        duty = union(s for spans in self.duty.values() for s in spans)
        call = union(s for spans in self.on_call.values() for s in spans)
        opened = self.open_time()
        closed = subtract(window, opened)
        return union(subtract(opened, duty) + subtract(closed, duty + call))


def settings_for(team: Team) -> TeamRota:
    found = TeamRota.objects.select_related("calendar").filter(team=team).first()
    return found or TeamRota(team=team)


def build(team: Team, start: datetime, end: datetime) -> Rota:
    """Works out the team's rota between ``start`` and ``end``."""
    rota_settings = settings_for(team)
    tz = zone(rota_settings.tz)
    cal = (
        rota_settings.calendar.calendar()
        if rota_settings.calendar is not None
        else Calendar(tz=tz, always_open=True)
    )
    lo, hi = to_us(start), to_us(end)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    spans: dict[tuple[int, str], list[Interval]] = defaultdict(list)
    for shift in Shift.objects.filter(team=team).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=first)
    ):
        spans[(shift.agent_id, shift.role)].extend(shift_intervals(shift, tz, first, last))
    changes = ShiftChange.objects.filter(
        team=team, start__lt=end, end__gt=start, status=SwapStatus.APPROVED
    )
    for change in changes:
        span = (to_us(change.start), to_us(change.end))
        spans[(change.agent_id, change.role)].append(span)
    for change in changes:
        if change.replaces_id is not None:
            key = (change.replaces_id, change.role)
            spans[key] = subtract(spans[key], [(to_us(change.start), to_us(change.end))])
    agents = {agent for agent, _role in spans}
    leave: dict[int, list[Interval]] = defaultdict(list)
    for row in Leave.objects.filter(agent_id__in=agents, start__lt=end, end__gt=start):
        leave[row.agent_id].append((to_us(row.start), to_us(row.end)))
    active = set(User.objects.filter(pk__in=agents, is_active=True).values_list("pk", flat=True))
    rota = Rota(team=team, tz=tz, calendar=cal, start=lo, end=hi)
    for (agent, role), intervals in spans.items():
        if agent not in active:
            continue
        kept = intersect(subtract(intervals, leave.get(agent, [])), [(lo, hi)])
        if kept:
            rota.by_role(Role(role))[agent] = kept
    return rota


def on_duty(team: Team, at: datetime) -> list[User]:
    ids = build(team, at, at + timedelta(microseconds=1)).agents_at(at)
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def on_call(team: Team, at: datetime) -> list[User]:
    ids = build(team, at, at + timedelta(microseconds=1)).agents_at(at, Role.ON_CALL)
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def is_open(team: Team, at: datetime) -> bool:
    """Whether the team's opening hours include ``at`` (no opening hours: always)."""
    rota_settings = settings_for(team)
    if rota_settings.calendar is None:
        return True
    return calendars.is_open(rota_settings.calendar.calendar(), at)


@dataclass(frozen=True)
class NextShift:
    at: datetime
    agents: list[User]


def next_on_duty(
    team: Team, after: datetime, horizon: timedelta = timedelta(days=14)
) -> NextShift | None:
    """The next moment someone starts duty after ``after``, and who is on duty then."""
    rota = build(team, after, after + horizon)
    moment = to_us(after)
    starts = sorted(s for spans in rota.duty.values() for s, _e in spans if s > moment)
    if not starts:
        return None
    at = from_us(starts[0])
    ids = rota.agents_at(at)
    return NextShift(at=at, agents=list(User.objects.filter(pk__in=ids).order_by("pk")))


def uncovered_hours(team: Team, start: datetime, weeks: int) -> list[datetime]:
    """The start of every hour (in the team's time zone) of the coming ``weeks`` that
    nobody covers for at least a moment. A desk that covers all hours gets ``[]``."""
    tz = zone(settings_for(team).tz)
    local = start.astimezone(tz)
    first = local.replace(minute=0, second=0, microsecond=0)
    end = first + timedelta(weeks=weeks)
    gaps = build(team, first, end).gaps()
    hours: list[datetime] = []
    slot = to_us(first)
    stop = to_us(end)
    i = 0
    while slot < stop and i < len(gaps):
        gap_start, gap_end = gaps[i]
        if gap_end <= slot:
            i += 1
            continue
        if gap_start < slot + HOUR_US:
            hours.append(from_us(slot))
        slot += HOUR_US
    return hours
