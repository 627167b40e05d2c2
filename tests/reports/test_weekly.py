"""The weekly management report: what it holds, when it goes, once per manager and week."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client

from loket.accounts.models import Tier
from loket.csat import actions as csat_actions
from loket.reports import weekly
from loket.reports.models import WeeklyMailSent
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, State, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db

# Wednesday 11 November 2026 in the week reported on (Mon 9 .. Sun 15 November)
IN_WEEK = datetime(2026, 11, 11, 10, 0, tzinfo=UTC)
MONDAY_0830 = datetime(2026, 11, 16, 7, 30, tzinfo=UTC)  # 08:30 CET
MONDAY_0730 = datetime(2026, 11, 16, 6, 30, tzinfo=UTC)  # 07:30 CET
SUNDAY = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def a_week_to_report(desk: Desk) -> dict[str, Ticket]:
    with time_machine.travel(IN_WEEK, tick=False):
        breached = actions.create_ticket(
            subject="Site is down", body="Down!", customer=desk.acme_alice,
            channel=Channel.EMAIL, by=None,
        )  # fmt: skip
        Event.objects.create(ticket=breached, kind=EventKind.SLA_BREACH, after={"clock": "x"})
        rated = actions.create_ticket(
            subject="Payout late", body="Where is it?", customer=desk.globex_carol,
            channel=Channel.WEB, by=desk.globex_carol,
        )  # fmt: skip
        actions.reply(rated, body="Sorted.", by=desk.agent, then_state=State.RESOLVED)
        solve = rated.events.filter(kind=EventKind.STATE, after=State.RESOLVED).latest("pk")
        survey = csat_actions.prepare(rated.pk, solve.pk)
        assert survey is not None
        csat_actions.rate(survey, 1, by=desk.globex_carol, via="link")
        csat_actions.comment(survey, "Took far too long", by=desk.globex_carol)
        decision = actions.create_ticket(
            subject="Lower minimum payout?", body="Please.", customer=desk.acme_bob,
            channel=Channel.WEB, by=desk.acme_bob,
        )  # fmt: skip
        actions.escalate(decision, Tier.MANAGEMENT, by=desk.agent, reason="Needs a decision.")
    return {"breached": breached, "rated": rated, "decision": decision}


def test_report_holds_breaches_bad_ratings_and_open_escalations(desk: Desk) -> None:
    made = a_week_to_report(desk)
    with time_machine.travel(MONDAY_0830, tick=False):
        start = weekly.last_full_week(datetime(2026, 11, 16).date())
        report = weekly.build(desk.admin, start)
    assert start.isoformat() == "2026-11-09"
    assert [e.ticket_id for e in report.breaches] == [made["breached"].pk]
    assert [s.ticket_id for s in report.bad_ratings] == [made["rated"].pk]
    assert [t.pk for t in report.open_escalations] == [made["decision"].pk]
    figures = {f.label: f for f in report.figures}
    assert figures["Tickets created"].this_week == 3
    assert figures["Tickets created"].last_week == 0
    assert figures["Tickets solved"].this_week == 1
    assert figures["Tickets with an SLA breach"].this_week == 1
    text, html = weekly.render(report)
    assert "Took far too long" in text and "Took far too long" in html
    assert "Lower minimum payout?" in html and f"/desk/tickets/{made['breached'].pk}/" in html


def test_mailed_on_monday_morning_once_per_manager(desk: Desk) -> None:
    a_week_to_report(desk)
    desk.manager.language = "nl"
    desk.manager.save()
    mail.outbox.clear()
    with time_machine.travel(SUNDAY, tick=False):
        assert weekly.send_all() == 0
    with time_machine.travel(MONDAY_0730, tick=False):
        assert weekly.send_all() == 0  # before the sending hour
    with time_machine.travel(MONDAY_0830, tick=False):
        assert weekly.send_all() == 2  # the admin and the manager
        assert weekly.send_all() == 0  # a second tick, or a second worker: nothing more
    assert WeeklyMailSent.objects.count() == 2
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {desk.admin.email, desk.manager.email}
    dutch = by_person[desk.manager.email]
    assert "Je week" in dutch.subject
    html = dutch.alternatives[0][0]  # type: ignore[index]
    assert "SLA-overschrijdingen" in html and 'lang="nl"' in html
    english = by_person[desk.admin.email].alternatives[0][0]  # type: ignore[index]
    assert "Took far too long" in english and 'lang="en"' in english
    assert dutch.extra_headers["Auto-Submitted"] == "auto-generated"


def test_weekly_page_is_for_managers(client: Client, desk: Desk) -> None:
    a_week_to_report(desk)
    client.force_login(desk.agent)
    assert client.get("/desk/reports/weekly/").status_code == 403
    client.force_login(desk.admin)
    page = client.get("/desk/reports/weekly/?week=2026-11-11")
    assert page.status_code == 200
    assert "Took far too long" in page.content.decode()
    assert client.get("/desk/reports/weekly/?week=garbage").status_code == 200
    assert client.get("/desk/reports/weekly/?week=2999-01-01").status_code == 200
