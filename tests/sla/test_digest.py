"""The management digest (mail and page) and the agents' notification endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from loket.accounts.models import Tier, User
from loket.rota.models import Leave, TeamRota
from loket.sla import digest, notify
from loket.sla.models import Notification
from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Ticket
from tests.conftest import Desk
from tests.rota.conftest import EVERY_DAY, weekly
from tests.sla.conftest import Clock, Sla, ams

pytestmark = pytest.mark.urls("tests.sla.urls")


def _ticket(desk: Desk, subject: str) -> Ticket:
    return actions.create_ticket(
        subject=subject, body="Help.", customer=desk.acme_alice, channel=Channel.WEB, by=None
    )


def _a_bad_day(desk: Desk) -> tuple[Ticket, Ticket]:
    """Monday: one ticket escalated to management, one breached and unanswered; first line
    (managed by Pieter) has a round-the-clock rota with a planted gap on Wednesday morning."""
    desk.first_line.manager = desk.manager
    desk.first_line.save()
    TeamRota.objects.create(team=desk.first_line)
    weekly(desk.first_line, desk.agent, EVERY_DAY, "00:00", "00:00")
    Leave.objects.create(agent=desk.agent, start=ams(2026, 4, 1, 6), end=ams(2026, 4, 1, 9))
    escalated = _ticket(desk, "Contract dispute")
    actions.escalate(
        escalated, Tier.MANAGEMENT, by=desk.agent, reason="Wants to cancel the contract"
    )
    waiting = _ticket(desk, "Invoice wrong")
    return escalated, waiting


def test_digest_has_only_what_needs_the_manager(desk: Desk, sla: Sla, clock: Clock) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    escalated, waiting = _a_bad_day(desk)
    clock.to(ams(2026, 3, 30, 16, 0))
    sweep()
    d = digest.build(desk.manager)
    assert [e.ticket_id for e in d.escalations] == [escalated.pk]
    assert sorted(e.ticket_id for e in d.breaches) == [escalated.pk, waiting.pk]
    assert d.unanswered_total == 2 and d.unanswered[0].pk == escalated.pk
    assert [(t.name, [(g.start, g.end) for g in spans]) for t, spans in d.gaps] == [
        ("First line", [(ams(2026, 4, 1, 6), ams(2026, 4, 1, 9))])
    ]
    # Sanne (second line, no management role) is not a manager: nothing is built for her,
    # and an agent's view of tickets stays their own teams'.
    assert desk.tech not in digest.managers()
    # Warnings and events of other kinds are not in the digest.
    assert all(e.kind == EventKind.SLA_BREACH for e in d.breaches)


def test_daily_mail_goes_to_managers_with_something_to_do(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    _a_bad_day(desk)
    clock.to(ams(2026, 3, 30, 16, 0))
    sweep()
    assert digest.send_all() == 2  # the manager and the admin
    by_person = {m.to[0]: m for m in mail.outbox}
    body = by_person[desk.admin.email].body
    assert "Escalated to management" in body
    assert "Wants to cancel the contract" in body
    assert "SLA breaches (last 24 hours)" in body
    assert "2 customers wait too long for an answer" in body
    assert "Wed 1 Apr 06:00 \N{EN DASH} 09:00" in body
    assert by_person[desk.admin.email].extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_quiet_day_sends_nothing(desk: Desk, sla: Sla, clock: Clock) -> None:
    assert digest.send_all() == 0
    assert mail.outbox == []


def _login(client: Client, email: str) -> None:
    client.force_login(User.objects.get(email=email))


def test_digest_page_is_for_managers_only(desk: Desk, sla: Sla, client: Client) -> None:
    _login(client, desk.manager.email)
    response = client.get("/sla/digest/")
    assert response.status_code == 200
    assert "What needs you today" in response.content.decode()
    client.logout()
    _login(client, desk.agent.email)
    assert client.get("/sla/digest/").status_code == 404
    client.logout()
    _login(client, desk.acme_alice.email)
    assert client.get("/sla/digest/").status_code == 404


def test_notification_endpoint_counts_and_marks_read(
    desk: Desk, sla: Sla, clock: Clock, client: Client
) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk, "Slow site")
    actions.assign(ticket, desk.agent, by=desk.agent)
    clock.to(ams(2026, 3, 30, 10, 48))
    for event_id in sweep().event_ids:
        notify.deliver(Event.objects.get(pk=event_id))
    _login(client, desk.agent.email)
    data: dict[str, Any] = json.loads(client.get("/sla/notifications/").content)
    assert data["unread"] == 1
    assert data["items"][0]["ticket"] == ticket.pk
    newest = data["items"][0]["id"]
    assert json.loads(client.get(f"/sla/notifications/?after={newest}").content)["items"] == []
    assert client.get("/sla/notifications/read/").status_code == 405  # no change by GET
    assert json.loads(client.post("/sla/notifications/read/").content) == {"marked": 1}
    assert Notification.objects.get().read_at is not None
    # Another agent sees none of Anna's notifications.
    client.logout()
    _login(client, desk.tech.email)
    assert json.loads(client.get("/sla/notifications/").content) == {"unread": 0, "items": []}


def test_customers_get_no_notification_endpoint(desk: Desk, client: Client) -> None:
    _login(client, desk.acme_alice.email)
    assert client.get("/sla/notifications/").status_code == 404
    assert client.post("/sla/notifications/read/").status_code == 404


def test_a_ticket_that_missed_two_targets_is_listed_once(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # given a ticket nobody answered for days: first reply and resolution both breached
    clock.to(ams(2026, 3, 30, 10, 0))
    desk.first_line.manager = desk.manager
    desk.first_line.members.add(desk.manager)  # manager and member: the team only once
    desk.first_line.save()
    ticket = _ticket(desk, "Nobody answers")
    clock.to(ams(2026, 4, 3, 16, 0))
    sweep()
    breaches = Event.objects.filter(ticket=ticket, kind=EventKind.SLA_BREACH).count()
    assert breaches >= 2

    d = digest.build(desk.manager)

    assert [e.ticket_id for e in d.breaches] == [ticket.pk]
    assert len(d.breaches[0].clocks) == breaches
    body = digest.render_text(d)
    assert body.count(f"#{ticket.pk} Nobody answers") == 2  # breaches and waiting customers
    assert len({team.pk for team in digest._teams(desk.manager)}) == len(
        digest._teams(desk.manager)
    )
