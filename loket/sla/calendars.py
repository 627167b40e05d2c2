"""Business time: pure functions over aware datetimes.

A :class:`Calendar` says when a desk is open: a time zone, opening intervals per weekday in
local wall-clock time (an interval whose end is not after its start runs past midnight, so
``22:00-06:00`` is a night shift), closed dates (custom dates and a country's public holidays
from the ``holidays`` package), or simply always open (24/7).

Rules that make the math well defined:

* Business time is real elapsed time while the desk is open, measured on the UTC time line.
  A night shift ``22:00-06:00`` therefore lasts 7 hours on the night the clocks go forward
  and 9 hours on the night they go back.
* Wall-clock times are turned into instants with ``fold=0``: an opening time that does not
  exist (in the hour skipped in spring) is read with the offset before the change, so 02:30
  on that day opens at 03:30; a time that occurs twice (in autumn) means its first occurrence.
* An interval belongs to the day it starts on: a holiday on the 25th closes the shift that
  starts on the 25th (also the part after midnight), not the one that started on the 24th.

``add_business_minutes`` and ``business_minutes_between`` are exact inverses for every
non-negative amount (``between(start, add(start, n)) == n``). Internally instants are whole
microseconds since the epoch and each calendar keeps a lazily built, per-year list of open
intervals with running totals, so both functions are two binary searches.
"""

from __future__ import annotations

import json
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MINUTE_US = 60_000_000
FIRST_YEAR, LAST_YEAR = 1971, 2999
SEARCH_YEARS = 20  # how far ahead ``add`` looks for open time before giving up

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


class CalendarError(ValueError):
    """A calendar that cannot be read or used, with a reason a person can act on."""


@dataclass(frozen=True, order=True)
class Opening:
    """One opening interval in local wall-clock minutes after the start of its day.

    ``end`` is greater than ``start``; ``end > 1440`` means the interval runs into the next day.
    """

    start: int
    end: int

    def label(self) -> list[str]:
        return [_format_clock(self.start), _format_clock(self.end % MINUTES_PER_DAY or 1440)]


def _format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_clock(text: Any, *, end: bool) -> int:
    match = _CLOCK.match(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(f"a time must look like HH:MM, got {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    if minutes > 59 or value > MINUTES_PER_DAY or (value == MINUTES_PER_DAY and not end):
        raise CalendarError(f"not a time of day: {text!r}")
    return value


def _parse_opening(raw: Any) -> Opening:
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise CalendarError(f'an opening interval is a pair ["HH:MM", "HH:MM"], got {raw!r}')
    start = _parse_clock(raw[0], end=False)
    end = _parse_clock(raw[1], end=True)
    if end == start:
        raise CalendarError(
            f"an interval must not start and end at the same time ({raw[0]}-{raw[1]}); "
            'write ["00:00", "24:00"] for a whole day'
        )
    if end < start:
        end += MINUTES_PER_DAY  # runs past midnight into the next day
    return Opening(start, end)


@dataclass
class _Timeline:
    """Merged open intervals (epoch microseconds) for the local years ``first..last``."""

    first: int = 0
    last: int = -1
    lo: int = 0
    hi: int = 0
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cum_end: list[int] = field(default_factory=list)  # open time up to each interval's end
    years: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False, repr=False)
class Calendar:
    """When a desk is open. Build one with :func:`from_json` (or the constructor in tests)."""

    tz: ZoneInfo
    week: tuple[tuple[Opening, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    country: str = ""
    subdiv: str = ""
    always_open: bool = False
    _cache: _Timeline = field(default_factory=_Timeline, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _country_days: dict[int, frozenset[date]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Calendar({json.dumps(self.to_json())})"

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise CalendarError("a week has seven days")
        if not self.always_open and not any(self.week):
            raise CalendarError("the calendar is never open: give opening hours or 24/7")

    # -- reading and writing -------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"tz": self.tz.key}
        if self.always_open:
            data["24/7"] = True
            return data
        data["week"] = {
            name: [o.label() for o in openings]
            for name, openings in zip(WEEKDAYS, self.week, strict=True)
            if openings
        }
        if self.holidays:
            data["holidays"] = sorted(d.isoformat() for d in self.holidays)
        if self.country:
            data["country"] = self.country
        if self.subdiv:
            data["subdiv"] = self.subdiv
        return data

    # -- days ------------------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        if day in self.holidays:
            return True
        if not self.country:
            return False
        days = self._country_days.get(day.year)
        if days is None:
            found = holidays_lib.country_holidays(
                self.country, subdiv=self.subdiv or None, years=day.year
            )
            days = frozenset(found.keys())
            self._country_days[day.year] = days
        return day in days

    def _local(self, day: date, minute: int) -> int:
        """Epoch microseconds of ``minute`` minutes (wall clock) after the start of ``day``."""
        days, minute = divmod(minute, MINUTES_PER_DAY)
        wall = datetime.combine(
            day + timedelta(days=days), time(minute // 60, minute % 60), tzinfo=self.tz
        )
        return (wall - EPOCH) // MICROSECOND

    def _year(self, year: int) -> list[tuple[int, int]]:
        """Open intervals clipped to local ``year``, merged, in epoch microseconds."""
        cached = self._cache.years.get(year)
        if cached is not None:
            return cached
        lo = self._local(date(year, 1, 1), 0)
        hi = self._local(date(year + 1, 1, 1), 0)
        raw: list[tuple[int, int]] = []
        day = date(year, 1, 1) - timedelta(days=1)  # its night shift may run into 1 January
        last = date(year, 12, 31)
        while day <= last:
            openings = self.week[day.weekday()]
            if openings and not self.is_holiday(day):
                for opening in openings:
                    start = max(lo, self._local(day, opening.start))
                    end = min(hi, self._local(day, opening.end))
                    if end > start:
                        raw.append((start, end))
            day += timedelta(days=1)
        raw.sort()
        merged: list[tuple[int, int]] = []
        for start, end in raw:
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        self._cache.years[year] = merged
        return merged

    def _cover(self, first: int, last: int) -> _Timeline:
        """The timeline, extended (if needed) to cover the local years ``first..last``."""
        tl = self._cache
        if tl.first <= first and last <= tl.last:
            return tl
        if not FIRST_YEAR <= first <= last <= LAST_YEAR:
            raise CalendarError(f"business time is only kept for {FIRST_YEAR}-{LAST_YEAR}")
        with self._lock:
            tl = self._cache
            if tl.last >= tl.first:
                first, last = min(first, tl.first), max(last, tl.last)
            starts: list[int] = []
            ends: list[int] = []
            cum_end: list[int] = []
            total = 0
            for year in range(first, last + 1):
                for start, end in self._year(year):
                    total += end - start
                    starts.append(start)
                    ends.append(end)
                    cum_end.append(total)
            new = _Timeline(
                first=first,
                last=last,
                lo=self._local(date(first, 1, 1), 0),
                hi=self._local(date(last + 1, 1, 1), 0),
                starts=starts,
                ends=ends,
                cum_end=cum_end,
                years=tl.years,
            )
            object.__setattr__(self, "_cache", new)
            return new

    def _timeline_for(self, instant: int) -> _Timeline:
        tl = self._cache
        if tl.last >= tl.first and tl.lo <= instant < tl.hi:
            return tl
        year = (EPOCH + instant * MICROSECOND).astimezone(self.tz).year
        return self._cover(year - 1, year + 1)

    @staticmethod
    def _open_before(tl: _Timeline, instant: int) -> int:
        """Open microseconds from the timeline's start up to ``instant``."""
        i = bisect_right(tl.starts, instant) - 1
        if i < 0:
            return 0
        before = tl.cum_end[i - 1] if i else 0
        return before + min(instant, tl.ends[i]) - tl.starts[i]

    # -- the two operations, in microseconds ----------------------------------------------

    def add_us(self, start: int, amount: int) -> int:
        if amount < 0:
            raise ValueError("business time can only be added, not subtracted")
        if self.always_open or amount == 0:
            return start + amount
        tl = self._timeline_for(start)
        target = self._open_before(tl, start) + amount
        while not tl.cum_end or tl.cum_end[-1] < target:
            years = tl.last - tl.first + 1
            if years > SEARCH_YEARS + 3:
                raise CalendarError(f"the calendar has no open time within {SEARCH_YEARS} years")
            tl = self._cover(tl.first, min(LAST_YEAR, tl.last + years))
            target = self._open_before(tl, start) + amount
        j = bisect_left(tl.cum_end, target)
        before = tl.cum_end[j - 1] if j else 0
        return tl.starts[j] + (target - before)

    def between_us(self, a: int, b: int) -> int:
        if b < a:
            return -self.between_us(b, a)
        if self.always_open:
            return b - a
        tl = self._timeline_for(a)
        if not tl.lo <= b < tl.hi:
            year = (EPOCH + b * MICROSECOND).astimezone(self.tz).year
            tl = self._cover(tl.first, year + 1)
        return self._open_before(tl, b) - self._open_before(tl, a)

    def open_intervals_us(self, a: int, b: int) -> list[tuple[int, int]]:
        """The open stretches within ``[a, b)``."""
        if b <= a:
            return []
        if self.always_open:
            return [(a, b)]
        tl = self._timeline_for(a)
        if not tl.lo <= b < tl.hi:
            year = (EPOCH + b * MICROSECOND).astimezone(self.tz).year
            tl = self._cover(tl.first, year + 1)
        i = max(0, bisect_right(tl.starts, a) - 1)
        out: list[tuple[int, int]] = []
        while i < len(tl.starts) and tl.starts[i] < b:
            start, end = max(a, tl.starts[i]), min(b, tl.ends[i])
            if end > start:
                out.append((start, end))
            i += 1
        return out


ALWAYS_OPEN_UTC = Calendar(tz=ZoneInfo("UTC"), always_open=True)


# -- building calendars -------------------------------------------------------------------


def from_json(data: Mapping[str, Any] | str) -> Calendar:
    """A calendar from its JSON form (a mapping or a JSON string); see the module docstring.

    ``{"tz": "Europe/Amsterdam", "week": {"mon": [["09:00", "17:00"]]}, "holidays":
    ["2026-12-25"], "country": "NL"}``, or ``{"tz": "UTC", "24/7": true}``.
    """
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise CalendarError(f"not valid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise CalendarError("a calendar is a JSON object")
    unknown = set(data) - {"tz", "week", "holidays", "country", "subdiv", "24/7", "name"}
    if unknown:
        raise CalendarError(f"unknown calendar keys: {', '.join(sorted(unknown))}")
    tz_name = data.get("tz", "UTC")
    try:
        tz = ZoneInfo(tz_name) if isinstance(tz_name, str) and tz_name else None
    except (ZoneInfoNotFoundError, ValueError):
        tz = None
    if tz is None:
        raise CalendarError(f"unknown time zone: {tz_name!r}")
    always = data.get("24/7", False)
    if not isinstance(always, bool):
        raise CalendarError('"24/7" must be true or false')
    if always:
        if data.get("week") or data.get("holidays") or data.get("country"):
            raise CalendarError("a 24/7 calendar has no opening hours or holidays")
        return Calendar(tz=tz, always_open=True)
    week_raw = data.get("week", {})
    if not isinstance(week_raw, Mapping):
        raise CalendarError('"week" maps day names (mon..sun) to lists of intervals')
    bad_days = set(week_raw) - set(WEEKDAYS)
    if bad_days:
        raise CalendarError(f"unknown day names: {', '.join(sorted(bad_days))} (use mon..sun)")
    week: list[tuple[Opening, ...]] = []
    for name in WEEKDAYS:
        intervals = week_raw.get(name, [])
        if not isinstance(intervals, list):
            raise CalendarError(f"{name}: a list of intervals is expected")
        week.append(tuple(sorted(_parse_opening(i) for i in intervals)))
    closed: set[date] = set()
    raw_holidays = data.get("holidays", [])
    if not isinstance(raw_holidays, list):
        raise CalendarError('"holidays" is a list of dates (YYYY-MM-DD)')
    for item in raw_holidays:
        try:
            closed.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise CalendarError(f"not a date (YYYY-MM-DD): {item!r}") from None
    country = data.get("country") or ""
    subdiv = data.get("subdiv") or ""
    if not isinstance(country, str) or not isinstance(subdiv, str):
        raise CalendarError('"country" and "subdiv" are codes such as "NL" or "US" / "NY"')
    if country:
        try:
            holidays_lib.country_holidays(country, subdiv=subdiv or None, years=2000)
        except NotImplementedError:
            raise CalendarError(f"no public holidays known for {country!r} {subdiv}") from None
    return Calendar(
        tz=tz,
        week=tuple(week),
        holidays=frozenset(closed),
        country=country.upper(),
        subdiv=subdiv,
    )


def load(path: str | Path) -> Calendar:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CalendarError(f"cannot read {path}: {exc.strerror}") from None
    return from_json(text)


# -- the public functions on datetimes -------------------------------------------------------


def to_us(instant: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("business time needs aware datetimes (with a time zone)")
    return (instant - EPOCH) // MICROSECOND


def from_us(us: int) -> datetime:
    # UTC on purpose: Python compares and subtracts two datetimes of the *same* zone by wall
    # clock, ignoring ``fold``, so 01:59 EDT would sort after 01:00 EST on the night the clocks
    # go back. UTC values compare correctly everywhere; convert only to show them.
    return EPOCH + us * MICROSECOND


def add_business_time(cal: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The instant at which ``amount`` of open time has passed since ``start``.

    Returned in UTC (see ``_instant``). A result that falls exactly on a closing time is that
    closing time (not the next opening).
    """
    return from_us(cal.add_us(to_us(start), amount // MICROSECOND))


def add_business_minutes(cal: Calendar, start: datetime, minutes: float) -> datetime:
    return add_business_time(cal, start, timedelta(minutes=minutes))


def business_time_between(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    """Open time from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    return cal.between_us(to_us(a), to_us(b)) * MICROSECOND


def business_minutes_between(cal: Calendar, a: datetime, b: datetime) -> float:
    return cal.between_us(to_us(a), to_us(b)) / MINUTE_US


def is_open(cal: Calendar, instant: datetime) -> bool:
    at = to_us(instant)
    return bool(cal.open_intervals_us(at, at + 1))


def open_intervals(cal: Calendar, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of open time within ``[a, b)``, in UTC."""
    return [(from_us(s), from_us(e)) for s, e in cal.open_intervals_us(to_us(a), to_us(b))]


def next_open(cal: Calendar, instant: datetime) -> datetime:
    """``instant`` if the desk is open then, else the next opening."""
    return add_business_time(cal, instant, MICROSECOND) - MICROSECOND
