"""Who is on duty: weekly shifts, night shifts, one-off changes, swaps, leave, on-call,
and a coverage check that finds every hour nobody covers."""

from __future__ import annotations

from datetime import timedelta

from loket.accounts.models import User
from loket.rota import duty
from loket.rota.models import Leave, Role, Shift, ShiftChange, TeamRota
from loket.sla.models import BusinessCalendar
from tests.conftest import Desk
from tests.rota.conftest import EVERY_DAY, WEEKDAYS, ams, weekly


def _names(users: list[User]) -> list[str]:
    return [u.name for u in users]


def test_weekly_shifts_and_a_night_shift_past_midnight(desk: Desk, crew: list[User]) -> None:
    bram, chris, _dana = crew
    team = desk.first_line
    # Given Bram on weekdays 09:00-17:00 and Chris on weekdays 17:00-01:00
    weekly(team, bram, WEEKDAYS, "09:00", "17:00")
    weekly(team, chris, WEEKDAYS, "17:00", "01:00")
    # then (Monday 30 March 2026 onwards)
    assert _names(duty.on_duty(team, ams(2026, 3, 30, 10))) == ["Bram"]
    assert _names(duty.on_duty(team, ams(2026, 3, 30, 17))) == ["Chris"]  # 17:00 is Chris's
    assert _names(duty.on_duty(team, ams(2026, 3, 31, 0, 30))) == ["Chris"]
    assert _names(duty.on_duty(team, ams(2026, 4, 4, 0, 30))) == ["Chris"]  # Friday's night
    assert duty.on_duty(team, ams(2026, 4, 4, 10)) == []  # Saturday
    assert duty.on_duty(team, ams(2026, 3, 31, 1, 0)) == []


def test_one_off_shift_swap_and_leave(desk: Desk, crew: list[User]) -> None:
    bram, chris, dana = crew
    team = desk.first_line
    weekly(team, bram, WEEKDAYS, "09:00", "17:00")
    # Given Dana works an extra Saturday morning, Chris takes Bram's Wednesday (a swap),
    # and Bram is on leave on Thursday
    ShiftChange.objects.create(
        team=team, agent=dana, start=ams(2026, 4, 4, 10), end=ams(2026, 4, 4, 14)
    )
    ShiftChange.objects.create(
        team=team, agent=chris, replaces=bram, start=ams(2026, 4, 1, 9), end=ams(2026, 4, 1, 17)
    )
    Leave.objects.create(agent=bram, start=ams(2026, 4, 2), end=ams(2026, 4, 3), reason="Dentist")
    # then each shows in who is on duty
    assert _names(duty.on_duty(team, ams(2026, 4, 4, 11))) == ["Dana"]
    assert _names(duty.on_duty(team, ams(2026, 4, 1, 11))) == ["Chris"]
    assert duty.on_duty(team, ams(2026, 4, 2, 11)) == []
    assert _names(duty.on_duty(team, ams(2026, 4, 3, 11))) == ["Bram"]


def test_shifts_only_count_in_their_valid_dates_and_for_active_agents(
    desk: Desk, crew: list[User]
) -> None:
    bram, chris, _dana = crew
    team = desk.first_line
    weekly(team, bram, WEEKDAYS, "09:00", "17:00")
    weekly(team, chris, WEEKDAYS, "09:00", "17:00")
    Shift.objects.filter(team=team, agent=chris).update(valid_from=ams(2026, 4, 6).date())
    bram.is_active = False
    bram.save()
    assert duty.on_duty(team, ams(2026, 3, 31, 10)) == []
    assert _names(duty.on_duty(team, ams(2026, 4, 7, 10))) == ["Chris"]


def test_on_call_and_next_on_duty(desk: Desk, crew: list[User]) -> None:
    bram, _chris, dana = crew
    team = desk.first_line
    weekly(team, bram, WEEKDAYS, "09:00", "17:00")
    weekly(team, dana, EVERY_DAY, "17:00", "09:00", role=Role.ON_CALL)
    # Given Saturday 08:00, then nobody is on duty, Dana is on call, and Bram is next on
    # Monday at 09:00.
    saturday = ams(2026, 4, 4, 8)
    assert duty.on_duty(team, saturday) == []
    assert _names(duty.on_call(team, saturday)) == ["Dana"]
    upcoming = duty.next_on_duty(team, saturday)
    assert upcoming is not None
    assert upcoming.at == ams(2026, 4, 6, 9)
    assert _names(upcoming.agents) == ["Bram"]


def _round_the_clock(desk: Desk, crew: list[User]) -> None:
    bram, chris, dana = crew
    weekly(desk.first_line, bram, EVERY_DAY, "06:00", "14:00")
    weekly(desk.first_line, chris, EVERY_DAY, "14:00", "22:00")
    weekly(desk.first_line, dana, EVERY_DAY, "22:00", "06:00")


def test_a_24_7_desk_has_no_uncovered_hour_even_across_dst(desk: Desk, crew: list[User]) -> None:
    # Given three eight-hour shifts every day (and no opening hours: 24/7)
    _round_the_clock(desk, crew)
    # then the coming weeks have no gap, over both DST changes (March and October 2026).
    assert duty.uncovered_hours(desk.first_line, ams(2026, 3, 16), weeks=4) == []
    assert duty.uncovered_hours(desk.first_line, ams(2026, 10, 12), weeks=4) == []


def test_coverage_finds_a_planted_gap(desk: Desk, crew: list[User]) -> None:
    bram, _chris, dana = crew
    _round_the_clock(desk, crew)
    # Given Bram on leave for his Wednesday morning shift and Dana 30 minutes late one night
    Leave.objects.create(agent=bram, start=ams(2026, 4, 8, 6), end=ams(2026, 4, 8, 14))
    Leave.objects.create(agent=dana, start=ams(2026, 4, 15, 22), end=ams(2026, 4, 15, 22, 30))
    # when coverage is checked for four weeks from Monday 6 April
    hours = duty.uncovered_hours(desk.first_line, ams(2026, 4, 6, 0, 20), weeks=4)
    # then exactly those nine hours are listed, in the team's time zone.
    expected = [ams(2026, 4, 8, h) for h in range(6, 14)] + [ams(2026, 4, 15, 22)]
    assert hours == expected


def test_office_hours_desk_is_covered_by_on_call_outside_hours(
    desk: Desk, crew: list[User]
) -> None:
    bram, _chris, dana = crew
    team = desk.first_line
    office = BusinessCalendar.objects.create(
        name="Office",
        spec={
            "tz": "Europe/Amsterdam",
            "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
    )
    TeamRota.objects.filter(team=team).update(calendar=office)
    # Given Bram on duty in opening hours and Dana on call the rest of the week
    weekly(team, bram, WEEKDAYS, "09:00", "17:00")
    weekly(team, dana, EVERY_DAY, "17:00", "09:00", role=Role.ON_CALL)
    weekly(team, dana, [5, 6], "09:00", "17:00", role=Role.ON_CALL)
    assert duty.uncovered_hours(team, ams(2026, 3, 30), weeks=2) == []
    # when Dana takes Sunday 12 April off
    Leave.objects.create(agent=dana, start=ams(2026, 4, 12), end=ams(2026, 4, 13))
    hours = duty.uncovered_hours(team, ams(2026, 3, 30), weeks=2)
    # then all of that Sunday is a gap.
    assert hours == [ams(2026, 4, 12) + timedelta(hours=h) for h in range(24)]
    # and on-call alone does not cover opening hours.
    Leave.objects.create(agent=bram, start=ams(2026, 4, 1, 12), end=ams(2026, 4, 1, 13))
    assert ams(2026, 4, 1, 12) in duty.uncovered_hours(team, ams(2026, 3, 30), weeks=2)
    assert duty.is_open(team, ams(2026, 4, 1, 12))
    assert not duty.is_open(team, ams(2026, 4, 4, 12))


def test_interval_helpers() -> None:
    assert duty.union([(5, 7), (1, 3), (2, 4), (7, 8)]) == [(1, 4), (5, 8)]
    assert duty.subtract([(0, 10)], [(2, 3), (5, 12)]) == [(0, 2), (3, 5)]
    assert duty.intersect([(0, 10)], [(5, 20), (-5, 1)]) == [(0, 1), (5, 10)]
    assert duty.contains([(0, 10)], 0) and not duty.contains([(0, 10)], 10)
