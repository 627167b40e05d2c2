"""Rota fixtures: extra agents and a way to lay down weekly shifts quickly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.models import Role as UserRole
from loket.accounts.models import Team, User
from loket.rota.models import Role, Shift, TeamRota
from tests.conftest import PASSWORD, Desk

AMS = ZoneInfo("Europe/Amsterdam")


def ams(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=AMS)


def weekly(
    team: Team,
    agent: User,
    days: Iterable[int],
    start: str,
    end: str,
    role: Role = Role.DUTY,
) -> None:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    for day in days:
        Shift.objects.create(
            team=team, agent=agent, role=role, weekday=day, start=time(h1, m1), end=time(h2, m2)
        )


@pytest.fixture
def crew(desk: Desk) -> list[User]:
    """Three more first-line agents: Bram, Chris, Dana."""
    people = [
        User.objects.create_user(
            f"{name.lower()}@loket.test", PASSWORD, role=UserRole.AGENT, display_name=name
        )
        for name in ("Bram", "Chris", "Dana")
    ]
    desk.first_line.members.add(*people)
    TeamRota.objects.create(team=desk.first_line, tz="Europe/Amsterdam")
    return people


WEEKDAYS = range(5)
EVERY_DAY = range(7)
