"""Business-time math: golden cases, DST days, night shifts, holidays, and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.sla import calendars as c
from loket.sla.calendars import CalendarError

AMS = ZoneInfo("Europe/Amsterdam")
NY = ZoneInfo("America/New_York")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")

OFFICE = c.from_json(
    {
        "tz": "Europe/Amsterdam",
        "week": {d: [["09:00", "17:00"]] for d in WORKDAYS},
        "holidays": ["2026-12-24"],
        "country": "NL",
    }
)
NIGHT = c.from_json(
    {"tz": "Europe/Amsterdam", "week": {d: [["22:00", "06:00"]] for d in c.WEEKDAYS}}
)
NEW_YORK = c.from_json(
    {
        "tz": "America/New_York",
        "week": {
            **{d: [["08:00", "12:00"], ["13:00", "18:00"]] for d in WORKDAYS},
            "sat": [["10:00", "14:00"]],
        },
        "country": "US",
        "subdiv": "NY",
    }
)
# Overlapping intervals around the hours DST moves, every day, so merging and gaps are exercised.
ODD_HOURS = c.from_json(
    {
        "tz": "Europe/Amsterdam",
        "week": {
            d: [["00:00", "02:30"], ["02:00", "04:00"], ["23:00", "01:00"]] for d in c.WEEKDAYS
        },
    }
)
ALWAYS = c.from_json({"tz": "Europe/Amsterdam", "24/7": True})
ALL = [OFFICE, NIGHT, NEW_YORK, ODD_HOURS, ALWAYS]


def ams(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=AMS)


def ny(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=NY)


# -- golden cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cal", "start", "minutes", "expected"),
    [
        # Friday afternoon rolls over the weekend (and the spring DST change) to Monday.
        (OFFICE, ams(2026, 3, 27, 16, 0), 120, ams(2026, 3, 30, 10, 0)),
        # Starting before opening counts from 09:00.
        (OFFICE, ams(2026, 3, 30, 6, 0), 30, ams(2026, 3, 30, 9, 30)),
        # Ending exactly at closing time stays at closing time.
        (OFFICE, ams(2026, 3, 30, 9, 0), 480, ams(2026, 3, 30, 17, 0)),
        # Custom holiday (24th), Christmas (25th, 26th from the NL list), Sunday: Monday 28th.
        (OFFICE, ams(2026, 12, 23, 16, 0), 120, ams(2026, 12, 28, 10, 0)),
        # King's Day (Monday 27 April 2026) is closed.
        (OFFICE, ams(2026, 4, 24, 17, 0), 60, ams(2026, 4, 28, 10, 0)),
        # Zero minutes is the start itself, even when closed.
        (OFFICE, ams(2026, 3, 28, 12, 0), 0, ams(2026, 3, 28, 12, 0)),
        # Night desk: the night the clocks go forward has 7 hours.
        (NIGHT, ams(2026, 3, 28, 12, 0), 7 * 60, ams(2026, 3, 29, 6, 0)),
        (NIGHT, ams(2026, 3, 28, 12, 0), 7 * 60 + 1, ams(2026, 3, 29, 22, 1)),
        # ... and the night they go back has 9 hours.
        (NIGHT, ams(2026, 10, 24, 12, 0), 9 * 60, ams(2026, 10, 25, 6, 0)),
        # Starting inside a night shift after midnight.
        (NIGHT, ams(2026, 6, 2, 5, 0), 90, ams(2026, 6, 2, 22, 30)),
        # New York: lunch break, Saturday morning, Sunday closed.
        (NEW_YORK, ny(2026, 6, 5, 11, 30), 60, ny(2026, 6, 5, 13, 30)),
        (NEW_YORK, ny(2026, 6, 5, 17, 0), 120, ny(2026, 6, 6, 11, 0)),
        (NEW_YORK, ny(2026, 6, 6, 13, 0), 120, ny(2026, 6, 8, 9, 0)),
        # Independence Day (Saturday 4 July 2026) and its observed Friday are both closed.
        (NEW_YORK, ny(2026, 7, 2, 17, 30), 60, ny(2026, 7, 6, 8, 30)),
        # 24/7 is plain elapsed time, across the autumn DST change too.
        (ALWAYS, ams(2026, 10, 24, 12, 0), 24 * 60, ams(2026, 10, 25, 11, 0)),
    ],
)
def test_add_business_minutes_golden(
    cal: c.Calendar, start: datetime, minutes: int, expected: datetime
) -> None:
    # Given a calendar and a start, when minutes are added, then the known instant comes out.
    result = c.add_business_minutes(cal, start, minutes)
    assert result == expected
    assert result.tzinfo == UTC  # safe to compare and subtract; shown in cal.tz


@pytest.mark.parametrize(
    ("cal", "a", "b", "minutes"),
    [
        # A whole-day calendar measures the real length of DST days: 23 and 25 hours.
        (ODD_HOURS, ams(2026, 3, 29, 0, 0), ams(2026, 3, 29, 4, 0), 3 * 60),
        (ODD_HOURS, ams(2026, 10, 25, 0, 0), ams(2026, 10, 25, 4, 0), 5 * 60),
        (NIGHT, ams(2026, 3, 28, 12), ams(2026, 3, 29, 12), 420),
        (NIGHT, ams(2026, 10, 24, 12), ams(2026, 10, 25, 12), 540),
        (NIGHT, ams(2026, 6, 1, 12), ams(2026, 6, 8, 12), 7 * 8 * 60),
        # 21-31 December: seven workdays (24th custom, 25th Christmas, weekend closed).
        (OFFICE, ams(2026, 12, 21, 0), ams(2026, 12, 31, 23), 7 * 8 * 60),
        # New York's spring-forward Sunday (8 March 2026) and fall-back Sunday (1 November).
        (NEW_YORK, ny(2026, 3, 6, 18), ny(2026, 3, 9, 9), 4 * 60 + 60),
        (NEW_YORK, ny(2026, 10, 30, 18), ny(2026, 11, 2, 9), 4 * 60 + 60),
        # Backwards is negative.
        (OFFICE, ams(2026, 3, 30, 17), ams(2026, 3, 30, 9), -480),
    ],
)
def test_business_minutes_between_golden(
    cal: c.Calendar, a: datetime, b: datetime, minutes: int
) -> None:
    # Given two instants, when the open time between them is measured, it is the known figure.
    assert c.business_minutes_between(cal, a, b) == minutes


def test_night_desk_24_7_in_new_york_across_both_dst_changes() -> None:
    # Given a New York night desk 22:00-06:00, then the spring night lasts 7 h, autumn 9 h.
    cal = c.from_json(
        {"tz": "America/New_York", "week": {d: [["22:00", "06:00"]] for d in c.WEEKDAYS}}
    )
    assert c.business_minutes_between(cal, ny(2026, 3, 7, 12), ny(2026, 3, 8, 12)) == 420
    assert c.business_minutes_between(cal, ny(2026, 10, 31, 12), ny(2026, 11, 1, 12)) == 540
    assert c.is_open(cal, ny(2026, 3, 8, 3, 30))  # 03:30 EDT exists and is inside the shift
    assert not c.is_open(cal, ny(2026, 3, 8, 6, 0))


def test_holiday_closes_the_shift_that_starts_on_it() -> None:
    # Given a night desk closed on 25 December, then the night of the 24th runs to 06:00 on
    # the 25th and the night starting on the 25th is closed.
    cal = c.from_json(
        {
            "tz": "Europe/Amsterdam",
            "week": {d: [["22:00", "06:00"]] for d in c.WEEKDAYS},
            "holidays": ["2026-12-25"],
        }
    )
    assert c.is_open(cal, ams(2026, 12, 25, 5, 59))
    assert not c.is_open(cal, ams(2026, 12, 25, 23, 0))
    assert not c.is_open(cal, ams(2026, 12, 26, 1, 0))
    assert c.is_open(cal, ams(2026, 12, 26, 23, 0))


def test_next_open_and_open_intervals() -> None:
    # Given the office calendar, on a Saturday the next opening is Monday 09:00.
    assert c.next_open(OFFICE, ams(2026, 3, 28, 12)) == ams(2026, 3, 30, 9)
    assert c.next_open(OFFICE, ams(2026, 3, 30, 10)) == ams(2026, 3, 30, 10)
    spans = c.open_intervals(OFFICE, ams(2026, 3, 30, 12), ams(2026, 4, 1, 10))
    assert spans == [
        (ams(2026, 3, 30, 12), ams(2026, 3, 30, 17)),
        (ams(2026, 3, 31, 9), ams(2026, 3, 31, 17)),
        (ams(2026, 4, 1, 9), ams(2026, 4, 1, 10)),
    ]


def test_far_future_and_year_boundaries() -> None:
    # Given a start late in a year, when many minutes are added, then the timeline grows.
    start = ams(2026, 12, 31, 23, 0)
    later = c.add_business_minutes(NIGHT, start, 480 * 400)
    assert c.business_minutes_between(NIGHT, start, later) == 480 * 400
    assert later.year == 2028


def test_naive_datetimes_are_refused() -> None:
    # Given a datetime without a zone, then the math refuses instead of guessing.
    with pytest.raises(ValueError, match="aware"):
        c.add_business_minutes(OFFICE, datetime(2026, 3, 30, 9), 10)
    with pytest.raises(ValueError, match="subtracted"):
        c.add_business_minutes(OFFICE, ams(2026, 3, 30, 9), -10)


# -- the JSON form ---------------------------------------------------------------------------


def test_json_round_trip() -> None:
    # Given calendars, when written as JSON and read again, then the same calendar comes back.
    for cal in ALL:
        again = c.from_json(cal.to_json())
        assert again.to_json() == cal.to_json()
    assert NIGHT.to_json()["week"]["mon"] == [["22:00", "06:00"]]
    assert c.from_json('{"tz": "UTC", "week": {"sun": [["00:00", "24:00"]]}}').to_json() == {
        "tz": "UTC",
        "week": {"sun": [["00:00", "24:00"]]},
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{nope", "not valid JSON"),
        ("[]", "JSON object"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"tz": "UTC"}, "never open"),
        ({"tz": "UTC", "week": {"mon": [["09:00", "09:00"]]}}, "same time"),
        ({"tz": "UTC", "week": {"mon": [["9am", "5pm"]]}}, "HH:MM"),
        ({"tz": "UTC", "week": {"mon": [["24:00", "05:00"]]}}, "not a time"),
        ({"tz": "UTC", "week": {"mon": [["09:00", "25:00"]]}}, "not a time"),
        ({"tz": "UTC", "week": {"monday": [["09:00", "17:00"]]}}, "day names"),
        ({"tz": "UTC", "week": {"mon": [["09:00"]]}}, "pair"),
        ({"tz": "UTC", "week": {"mon": [["09:00", "17:00"]]}, "holidays": ["25-12"]}, "date"),
        ({"tz": "UTC", "week": {"mon": [["09:00", "17:00"]]}, "country": "XX"}, "holidays"),
        ({"tz": "UTC", "24/7": True, "holidays": ["2026-12-25"]}, "24/7"),
        ({"tz": "UTC", "24/7": "yes"}, "true or false"),
        ({"tz": "UTC", "weeks": {}}, "unknown calendar keys"),
    ],
)
def test_bad_calendars_are_refused_with_a_reason(data: object, message: str) -> None:
    # Given a malformed calendar, then reading it fails with a reason naming the problem.
    with pytest.raises(CalendarError, match=message):
        c.from_json(data)  # type: ignore[arg-type]


# -- properties ------------------------------------------------------------------------------

ZONES = st.sampled_from([UTC, AMS, NY])
INSTANTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2031, 12, 31), timezones=ZONES
)
CALENDARS = st.sampled_from(ALL)
MINUTES = st.integers(min_value=0, max_value=200_000)
# The four DST changes of 2026 in Amsterdam and New York, give or take two days.
DST_CHANGES = [
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
]
NEAR_DST = st.builds(
    lambda base, seconds: base + timedelta(seconds=seconds),
    st.sampled_from(DST_CHANGES),
    st.integers(min_value=-2 * 86400, max_value=2 * 86400),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cal=CALENDARS, start=st.one_of(INSTANTS, NEAR_DST), minutes=MINUTES)
def test_adding_then_measuring_gives_the_minutes_back(
    cal: c.Calendar, start: datetime, minutes: int
) -> None:
    end = c.add_business_minutes(cal, start, minutes)
    assert end >= start
    assert c.business_minutes_between(cal, start, end) == minutes
    assert c.business_time_between(cal, start, end) == timedelta(minutes=minutes)


@FAST
@given(cal=CALENDARS, a=st.one_of(INSTANTS, NEAR_DST), b=st.one_of(INSTANTS, NEAR_DST), m=MINUTES)
def test_adding_is_monotonic_in_start_and_amount(
    cal: c.Calendar, a: datetime, b: datetime, m: int
) -> None:
    # (sorted in UTC: same-zone comparisons in Python ignore the DST fold)
    a, b = sorted([a.astimezone(UTC), b.astimezone(UTC)])
    assert c.add_business_minutes(cal, a, m) <= c.add_business_minutes(cal, b, m)
    assert c.add_business_minutes(cal, a, m) <= c.add_business_minutes(cal, a, m + 1)


@FAST
@given(cal=CALENDARS, a=INSTANTS, b=INSTANTS, mid=INSTANTS)
def test_measuring_is_additive_and_never_exceeds_real_time(
    cal: c.Calendar, a: datetime, b: datetime, mid: datetime
) -> None:
    a, mid, b = sorted(x.astimezone(UTC) for x in (a, mid, b))
    whole = c.business_time_between(cal, a, b)
    assert whole == c.business_time_between(cal, a, mid) + c.business_time_between(cal, mid, b)
    assert timedelta(0) <= whole <= b - a
    assert c.business_time_between(cal, b, a) == -whole


@FAST
@given(cal=CALENDARS, start=st.one_of(INSTANTS, NEAR_DST), minutes=st.integers(1, 50_000))
def test_the_result_is_reached_in_open_time(cal: c.Calendar, start: datetime, minutes: int) -> None:
    # The last microsecond before the result is open time (the result is never in a closed gap).
    end = c.add_business_minutes(cal, start, minutes)
    assert c.is_open(cal, end - timedelta(microseconds=1))


def _naive_open(cal: c.Calendar, instant: datetime) -> bool:
    """A slow, independent reading of the rules: look at the wall clock's day and the day
    before, build each opening as wall-clock datetimes, and compare instants."""
    if cal.always_open:
        return True
    local = instant.astimezone(cal.tz)
    for day in (local.date() - timedelta(days=1), local.date()):
        if cal.is_holiday(day):
            continue
        for opening in cal.week[day.weekday()]:
            begin = _wall(day, opening.start, cal)
            end = _wall(day, opening.end, cal)
            if begin <= instant < end:
                return True
    return False


def _wall(day: date, minute: int, cal: c.Calendar) -> datetime:
    extra, minute = divmod(minute, 1440)
    d = day + timedelta(days=extra)
    return datetime(d.year, d.month, d.day, minute // 60, minute % 60, tzinfo=cal.tz)


@settings(max_examples=25, deadline=None)
@given(cal=CALENDARS, start=NEAR_DST, hours=st.integers(1, 60))
def test_measuring_matches_a_minute_by_minute_count_on_dst_days(
    cal: c.Calendar, start: datetime, hours: int
) -> None:
    start = start.replace(second=0, microsecond=0)
    end = start + timedelta(hours=hours)
    counted = 0
    at = start
    while at < end:
        counted += _naive_open(cal, at)
        at += timedelta(minutes=1)
    assert c.business_minutes_between(cal, start, end) == counted


# -- the command -----------------------------------------------------------------------------


def test_sla_command_add_and_between(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from django.core.management import call_command

    # Given the office calendar as a file, when the command adds and measures, then it prints
    # the same results as the functions.
    path = Path(str(tmp_path)) / "office.json"
    path.write_text(__import__("json").dumps(OFFICE.to_json()), encoding="utf-8")
    call_command(
        "sla",
        "add",
        "--calendar",
        str(path),
        "--start",
        "2026-03-27T16:00+01:00",
        "--minutes",
        "120",
    )
    call_command(
        "sla", "between", "--calendar", str(path), "--start", "2026-03-27T16:00",
        "--end", "2026-03-30T10:00+02:00",
    )  # fmt: skip
    out = capsys.readouterr().out.split()
    assert out == ["2026-03-30T10:00:00+02:00", "120"]


def test_sla_command_reports_bad_input(tmp_path: object) -> None:
    from pathlib import Path

    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = Path(str(tmp_path)) / "bad.json"
    path.write_text('{"tz": "UTC", "week": {"mon": [["09:00", "09:00"]]}}', encoding="utf-8")
    with pytest.raises(CommandError, match="same time"):
        call_command(
            "sla", "add", "--calendar", str(path), "--start", "2026-01-01T00:00", "--minutes", "5"
        )
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "sla", "between", "--calendar", str(path) + ".missing", "--start", "x", "--end", "y"
        )
