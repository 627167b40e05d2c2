"""SLA fixtures: an office calendar (Amsterdam, 09:00-17:00 on workdays, Dutch holidays), a
default policy on it, a 24/7 policy for VIP organisations, and a clock to travel with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loket.accounts.models import OrganisationTier
from loket.sla.models import BusinessCalendar, Policy, Target
from loket.tickets.models import Priority
from tests.conftest import Desk

AMS = ZoneInfo("Europe/Amsterdam")
OFFICE_SPEC = {
    "tz": "Europe/Amsterdam",
    "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "country": "NL",
}


def ams(y: int, m: int, d: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=AMS)


class Clock:
    """Frozen time that tests move by hand."""

    def __init__(self, traveller: time_machine.travel) -> None:
        self._traveller = traveller
        self._coordinates = traveller.start()

    def to(self, when: datetime) -> datetime:
        self._coordinates.move_to(when)
        return when


@pytest.fixture
def clock() -> Iterator[Clock]:
    traveller = time_machine.travel(ams(2026, 3, 30, 9, 0), tick=False)
    c = Clock(traveller)
    try:
        yield c
    finally:
        traveller.stop()


@dataclass
class Sla:
    office: BusinessCalendar
    always: BusinessCalendar
    default: Policy
    vip: Policy


def _targets(
    policy: Policy, rows: dict[Priority, tuple[int | None, int | None, int | None]]
) -> None:
    for priority, (first, nxt, resolution) in rows.items():
        Target.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=nxt,
            resolution_minutes=resolution,
        )


@pytest.fixture
def sla(desk: Desk) -> Sla:
    office = BusinessCalendar.objects.create(name="Office", spec=OFFICE_SPEC)
    always = BusinessCalendar.objects.create(name="24/7", spec={"tz": "UTC", "24/7": True})
    default = Policy.objects.create(name="Standard", calendar=office)
    _targets(
        default,
        {
            Priority.LOW: (240, 480, None),
            Priority.NORMAL: (60, 120, 480),
            Priority.HIGH: (30, 60, 240),
            Priority.URGENT: (15, 30, 120),
        },
    )
    vip = Policy.objects.create(
        name="VIP", calendar=always, organisation_tier=OrganisationTier.VIP, warn_percent=50
    )
    _targets(vip, {Priority.NORMAL: (30, 60, 240), Priority.URGENT: (10, 20, 60)})
    return Sla(office=office, always=always, default=default, vip=vip)


def send_mails(*, due_only: bool = True) -> int:
    """Runs the queued notification-mail tasks (``loket.sla.mailing.send_batch``) that are
    due, as a worker would; returns how many notifications they mailed."""
    from django.utils import timezone
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from loket.sla import mailing

    rows = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path="loket.sla.mailing.send_batch"
    ).order_by("enqueued_at", "id")
    mailed = 0
    for row in list(rows):
        if due_only and row.run_after is not None and row.run_after > timezone.now():
            continue
        DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
        mailed += mailing.send_batch.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    return mailed
