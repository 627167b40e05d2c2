"""A breach found by the SLA sweep (which updates the clocks in bulk, without ``save``) reaches
the reports' SLA attainment at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from loket.reports import registry, tally
from loket.reports.filters import parse
from loket.reports.views import context_for
from loket.sla.models import BusinessCalendar, Policy, Target
from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Priority
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _first_response(desk: Desk) -> dict[str, object]:
    figure = registry.get("sla")
    assert figure is not None
    result = figure.compute(context_for(desk.admin, parse({})))
    return dict(zip(result.keys, result.rows[0], strict=True))


def test_a_breach_found_by_the_sweep_counts_in_the_sla_figure(desk: Desk) -> None:
    # given a 24/7 policy answering within an hour, and two new tickets
    policy = Policy.objects.create(
        name="Standard",
        calendar=BusinessCalendar.objects.create(name="24/7", spec={"tz": "UTC", "24/7": True}),
    )
    Target.objects.create(
        policy=policy, priority=Priority.NORMAL, first_response_minutes=60,
        next_response_minutes=120, resolution_minutes=480,
    )  # fmt: skip
    for subject in ("One", "Two"):
        actions.create_ticket(
            subject=subject, body="?", customer=desk.acme_alice, channel=Channel.WEB,
            by=desk.acme_alice,
        )  # fmt: skip
    assert (_first_response(desk)["running"], _first_response(desk)["breached"]) == (2, 0)
    # when the sweep runs two hours later
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert sweep().breaches >= 2
    # then both first responses count as breached, as the raw rows say
    assert _first_response(desk)["breached"] == 2
    assert tally.differences() == []
