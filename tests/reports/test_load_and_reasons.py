"""Escalations by reason and load against coverage, each checked against a count made here."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.test import Client

from loket.accounts.models import Tier
from loket.reports import registry
from loket.reports.filters import parse
from loket.reports.views import context_for
from loket.rota.models import Shift, Weekday
from loket.tickets import actions
from loket.tickets.models import Channel, EscalationReason, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def compute(desk: Desk, key: str, params: dict[str, str]) -> registry.Result:
    figure = registry.get(key)
    assert figure is not None
    return figure.compute(context_for(desk.admin, parse(params)))


def ticket_at(desk: Desk, moment: datetime) -> Ticket:
    with time_machine.travel(moment, tick=False):
        return actions.create_ticket(
            subject="Banner",
            body="It is gone.",
            customer=desk.acme_alice,
            channel=Channel.WEB,
            by=desk.acme_alice,
        )


def test_escalations_are_counted_by_the_reason_chosen(desk: Desk) -> None:
    # Given escalations with several kinds of reason, one to management, and one old-style
    # escalation without a kind
    moment = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    plan = [
        (EscalationReason.TECHNICAL, Tier.SECOND_LINE),
        (EscalationReason.TECHNICAL, Tier.SECOND_LINE),
        (EscalationReason.DECISION, Tier.MANAGEMENT),
        (EscalationReason.BILLING, Tier.SECOND_LINE),
    ]
    for kind, tier in plan:
        ticket = ticket_at(desk, moment)
        with time_machine.travel(moment, tick=False):
            actions.escalate(ticket, tier, by=desk.agent, reason="Too hard.", reason_kind=kind)
    old = ticket_at(desk, moment)
    with time_machine.travel(moment, tick=False):
        actions.escalate(old, Tier.SECOND_LINE, by=desk.agent, reason="Old form.")
    # When the figure is computed for November
    got = compute(desk, "escalations_by_reason", {"from": "2026-11-01", "to": "2026-11-30"})
    rows = {row[0]: row[1:] for row in got.rows}
    # Then each kind is counted at its tier; the one without a kind counts as Other
    assert rows[str(EscalationReason.TECHNICAL.label)] == [2, 2, 0]
    assert rows[str(EscalationReason.DECISION.label)] == [1, 0, 1]
    assert rows[str(EscalationReason.BILLING.label)] == [1, 1, 0]
    assert rows[str(EscalationReason.OTHER.label)] == [1, 1, 0]
    assert str(EscalationReason.COMPLAINT.label) not in rows  # none of that kind
    assert got.headline is not None and got.headline["value"] == 5
    assert got.rows[0][0] == str(EscalationReason.TECHNICAL.label)  # biggest first


def test_escalation_form_keeps_the_kind_of_reason(client: Client, desk: Desk) -> None:
    ticket = ticket_at(desk, datetime.now(UTC))
    client.force_login(desk.agent)
    client.post(
        f"/desk/tickets/{ticket.pk}/escalate/",
        {"to_tier": 2, "reason": "Needs a server.", "reason_kind": "access"},
    )
    event = ticket.events.filter(kind="escalated").get()
    assert event.after is not None and event.after["reason_kind"] == "access"
    page = client.get(f"/desk/tickets/{ticket.pk}/")
    assert page.status_code in (200, 404)


def test_load_meets_coverage_by_hour_of_the_week(desk: Desk) -> None:
    # Given the first line on duty Monday 09:00-17:00 (Amsterdam), and tickets on a Monday at
    # 10:30 local, and on a Sunday at 03:15 local (nobody on duty)
    Shift.objects.create(
        team=desk.first_line,
        agent=desk.agent,
        weekday=Weekday.MONDAY,
        start=time(9, 0),
        end=time(17, 0),
    )
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # 10:30 CET
    sunday = datetime(2026, 11, 22, 2, 15, tzinfo=UTC)  # 03:15 CET
    for _ in range(3):
        ticket_at(desk, monday)
    ticket_at(desk, sunday)
    # When the figure is computed over two whole weeks (Mon 16 .. Sun 29 November)
    got = compute(desk, "load_coverage", {"from": "2026-11-16", "to": "2026-11-29"})
    cells = {(row[0], row[1]): (row[2], row[3], row[4]) for row in got.rows}
    assert len(got.rows) == 7 * 24
    mon, sun = got.rows[0][0], got.rows[-1][0]
    # Then the load is averaged per week, the coverage counts the agent in every duty hour
    assert cells[(mon, 10)][:2] == (1.5, 1.0)
    assert cells[(mon, 9)][1] == 1.0 and cells[(mon, 16)][1] == 1.0
    assert cells[(mon, 17)][1] == 0.0 and cells[(mon, 8)][1] == 0.0
    assert cells[(sun, 3)][0] == 0.5 and cells[(sun, 3)][1] == 0.0 and cells[(sun, 3)][2]
    assert not cells[(mon, 10)][2]
    # and the headline counts the busy hours nobody covers
    assert got.headline is not None and got.headline["value"] == 1


def test_load_figure_is_drawn_as_a_heat_map(client: Client, desk: Desk) -> None:
    ticket_at(desk, datetime.now(UTC))
    client.force_login(desk.admin)
    page = client.get("/desk/reports/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-figure="load_coverage"' in html
    assert html.count("data-cell") == 7 * 24
    assert 'data-figure="escalations_by_reason"' in html


def test_chart_coordinates_keep_a_decimal_point_in_dutch(client: Client, desk: Desk) -> None:
    # Dutch writes 34,5 for 34.5; an SVG coordinate written that way breaks the chart
    import re

    ticket_at(desk, datetime.now(UTC))
    desk.admin.language = "nl"
    desk.admin.save()
    client.force_login(desk.admin)
    html = client.get("/desk/reports/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Drukte tegenover bezetting" in html
    coordinates = re.findall(r'<rect x="([^"]*)" y="([^"]*)" width="([^"]*)"', html)
    assert coordinates
    assert not [c for c in coordinates if any("," in part for part in c)]


def test_reports_filter_by_the_organisation_kind(client: Client, desk: Desk) -> None:
    from loket.rules.models import KindMembership, OrganisationKind

    partner = OrganisationKind.objects.create(key="partner", names={"en": "Partner"})
    owner = OrganisationKind.objects.create(key="site-owner", names={"en": "Site owner"})
    KindMembership.objects.create(organisation=desk.acme, kind=partner)
    KindMembership.objects.create(organisation=desk.globex, kind=owner)
    now = datetime.now(UTC)
    ticket_at(desk, now)  # Acme: a partner
    with time_machine.travel(now, tick=False):
        for _ in range(2):
            actions.create_ticket(
                subject="Payout", body="Late.", customer=desk.globex_carol,
                channel=Channel.WEB, by=desk.globex_carol,
            )  # fmt: skip
    client.force_login(desk.admin)

    def created(kind: str) -> int:
        rows = client.get(f"/api/reports/volume?kind={kind}").json()["rows"]
        return sum(int(r["created"]) for r in rows)

    assert created("partner") == 1
    assert created("site-owner") == 2
    assert client.get("/api/reports/volume?kind=nope").status_code in (400, 422)
    page = client.get("/desk/reports/?kind=site-owner").content.decode()
    assert '<option value="site-owner" selected>' in page
