"""Surveys under concurrency (PostgreSQL): two solves of one customer's tickets decided at the
same moment still give one survey within the throttle, and two clicks at once both count,
in order, with one follow-up."""

from __future__ import annotations

import pytest
from django.db import connection

from loket.csat import actions as csat_actions
from loket.csat.models import SkipReason, Survey, SurveyStatus
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, State
from tests.tickets.test_concurrency import _second_during_first

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="Row locking is tested on PostgreSQL (see tests/tickets/test_concurrency.py).",
    ),
]


def _solved(desk, subject: str):
    ticket = actions.create_ticket(
        subject=subject, body="?", customer=desk.acme_alice, channel=Channel.WEB,
        by=desk.acme_alice,
    )  # fmt: skip
    actions.reply(ticket, body="Done.", by=desk.agent)
    actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    event = ticket.events.filter(kind=EventKind.STATE, after=State.RESOLVED).get()
    return ticket, event


def test_two_surveys_for_one_customer_decided_at_once_send_one(desk, settings):
    settings.CSAT_THROTTLE_DAYS = 30
    (one, one_solve), (two, two_solve) = _solved(desk, "One"), _solved(desk, "Two")
    errors = _second_during_first(
        lambda: csat_actions.prepare(one.pk, one_solve.pk),
        lambda: csat_actions.prepare(two.pk, two_solve.pk),
    )
    assert errors == []
    surveys = {s.ticket_id: s for s in Survey.objects.all()}
    assert surveys[one.pk].status == SurveyStatus.SENT
    assert surveys[two.pk].skip_reason == SkipReason.THROTTLED


def test_two_clicks_at_once_both_count_in_order(desk, settings):
    ticket, solve = _solved(desk, "Clicks")
    survey = csat_actions.prepare(ticket.pk, solve.pk)
    assert survey is not None
    errors = _second_during_first(
        lambda: csat_actions.rate(survey, 1, by=None, via="mail"),
        lambda: csat_actions.rate(survey, 2, by=None, via="mail"),
    )
    assert errors == []
    survey.refresh_from_db()
    assert survey.score == 2 and survey.needs_follow_up
    rated = list(ticket.events.filter(kind=EventKind.RATED).order_by("id"))
    assert [e.after["score"] for e in rated] == [1, 2]
    assert rated[1].before == {"score": 1}
