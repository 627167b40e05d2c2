"""Notifications: who hears about warnings and breaches, by which way, and when not."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.core import mail

from loket.accounts.models import User
from loket.rota.models import Role, TeamRota
from loket.sla import notify
from loket.sla.models import Notification, NotificationKind, NotifySettings
from loket.sla.sweep import sweep
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, Ticket
from tests.conftest import Desk
from tests.rota.conftest import EVERY_DAY, weekly
from tests.sla.conftest import Clock, Sla, ams, send_mails
from tests.sla.telegram_server import TOKEN, fake_telegram


def _assigned(
    desk: Desk, customer: User | None = None, priority: Priority = Priority.NORMAL
) -> Ticket:
    ticket = actions.create_ticket(
        subject="Banner gone", body="Since this morning.", customer=customer or desk.acme_alice,
        channel=Channel.WEB, by=None, priority=priority,
    )  # fmt: skip
    return actions.assign(ticket, desk.agent, by=desk.agent)


def _deliver(kind: EventKind) -> int:
    return sum(notify.deliver(e) for e in Event.objects.filter(kind=kind))


def _who(kind: NotificationKind) -> set[str]:
    return {n.recipient.name for n in Notification.objects.filter(kind=kind)}


def _on_call_tonight(desk: Desk, sla: Sla) -> None:
    """First line has office hours; Sanne (second line) is on call for it round the clock."""
    TeamRota.objects.create(team=desk.first_line, calendar=sla.office)
    weekly(desk.first_line, desk.tech, EVERY_DAY, "00:00", "00:00", role=Role.ON_CALL)


def test_warning_reaches_the_assignee_in_the_desk_and_by_mail(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a ticket assigned to Anna, when its warning time passes and the sweep runs
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    result = sweep()
    # then delivery was queued with the warning, and delivering it tells Anna only
    assert notify.deliver_events.call(result.event_ids) == 1
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.ticket) == (
        desk.agent,
        NotificationKind.SLA_WARNING,
        ticket,
    )
    assert note.text == f"#{ticket.pk} Banner gone: SLA warning: First reply due Mon 30 Mar 11:00"
    assert note.channels == ""  # the mail is queued (batched per agent), not yet sent
    assert send_mails() == 1
    note.refresh_from_db()
    assert note.channels == "email"
    assert notify.unread_count(desk.agent) == 1
    (message,) = mail.outbox
    assert message.to == [desk.agent.email]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert f"/tickets/{ticket.pk}/" in message.body


def test_breach_reaches_assignee_team_and_manager(desk: Desk, sla: Sla, clock: Clock) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    _assigned(desk)
    clock.to(ams(2026, 3, 30, 11, 0))
    sweep()
    _deliver(EventKind.SLA_BREACH)
    # First line has no manager of its own: the management team's manager hears of it.
    assert _who(NotificationKind.SLA_BREACH) == {"Anna de Vries", "Pieter Visser"}


def test_breach_outside_opening_hours_pages_the_on_call_agent(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a VIP ticket (24/7 targets) on Saturday night in a team with office hours
    _on_call_tonight(desk, sla)
    clock.to(ams(2026, 4, 4, 23, 0))
    _assigned(desk, desk.globex_carol)
    clock.to(ams(2026, 4, 4, 23, 31))
    sweep()
    _deliver(EventKind.SLA_BREACH)
    # then Sanne, on call, hears of the breach too.
    assert "Sanne Jansen" in _who(NotificationKind.SLA_BREACH)


def test_quiet_hours_hold_back_mail_but_not_for_whoever_is_on_call(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given Anna and Sanne both have quiet hours at night; Sanne is on call
    _on_call_tonight(desk, sla)
    for agent in (desk.agent, desk.tech):
        NotifySettings.objects.create(agent=agent, quiet_from=time(22), quiet_until=time(7))
    clock.to(ams(2026, 4, 4, 23, 0))
    _assigned(desk, desk.globex_carol)
    clock.to(ams(2026, 4, 4, 23, 31))
    sweep()
    _deliver(EventKind.SLA_BREACH)
    send_mails()
    # then Sanne gets mail (and the manager, who has no quiet hours); Anna finds hers in
    # the desk in the morning.
    assert sorted(m.to[0] for m in mail.outbox) == [desk.manager.email, desk.tech.email]
    assert Notification.objects.get(recipient=desk.agent).channels == ""


def test_agents_choose_what_reaches_them(desk: Desk, sla: Sla, clock: Clock) -> None:
    NotifySettings.objects.create(agent=desk.agent, kinds=[NotificationKind.SLA_BREACH])
    clock.to(ams(2026, 3, 30, 10, 0))
    _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    sweep()
    _deliver(EventKind.SLA_WARNING)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=desk.agent).count() == 1  # still in the desk


def test_delivering_twice_sends_once(desk: Desk, sla: Sla, clock: Clock) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    ids = sweep().event_ids
    notify.deliver_events.call(ids)
    assert notify.deliver_events.call(ids) == 0
    send_mails()
    assert send_mails() == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


@pytest.fixture
def telegram(settings: Any) -> Any:
    with fake_telegram() as server:
        settings.TELEGRAM_BOT_TOKEN = TOKEN
        settings.TELEGRAM_API_URL = server.url
        settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test server is on loopback
        yield server


def test_telegram_reaches_the_agents_phone(
    desk: Desk, sla: Sla, clock: Clock, telegram: Any
) -> None:
    # Given Anna linked her Telegram chat
    NotifySettings.objects.create(agent=desk.agent, telegram_chat_id="4242")
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    sweep()
    _deliver(EventKind.SLA_WARNING)
    send_mails()
    # then the bot API received one message for her chat, naming the ticket
    (sent,) = telegram.sent
    assert sent["chat_id"] == "4242"
    assert f"#{ticket.pk} Banner gone" in sent["text"]
    assert f"/tickets/{ticket.pk}/" in sent["text"]
    assert Notification.objects.get().channels == "email,telegram"


def test_telegram_failures_do_not_lose_the_notification(
    desk: Desk, sla: Sla, clock: Clock, telegram: Any, settings: Any
) -> None:
    # Given a chat the bot does not know (and no e-mail wanted)
    NotifySettings.objects.create(agent=desk.agent, telegram_chat_id="999", email=False)
    clock.to(ams(2026, 3, 30, 10, 0))
    _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    sweep()
    _deliver(EventKind.SLA_WARNING)
    # then nothing went out, but the desk shows it.
    assert telegram.sent == []
    assert Notification.objects.get().channels == ""


def test_telegram_goes_through_the_ssrf_guard(
    desk: Desk, sla: Sla, clock: Clock, telegram: Any, settings: Any
) -> None:
    # Given loopback is not allowed (the default), then the transport refuses to call it.
    settings.HTTP_ALLOWED_NETWORKS = []
    NotifySettings.objects.create(agent=desk.agent, telegram_chat_id="4242")
    clock.to(ams(2026, 3, 30, 10, 0))
    _assigned(desk)
    clock.to(ams(2026, 3, 30, 10, 48))
    sweep()
    _deliver(EventKind.SLA_WARNING)
    send_mails()
    assert telegram.sent == []
    assert Notification.objects.get().channels == "email"


def test_urgent_ticket_outside_hours_pages_on_call(desk: Desk, sla: Sla, clock: Clock) -> None:
    _on_call_tonight(desk, sla)
    # Given Saturday, when an urgent ticket comes in
    clock.to(ams(2026, 4, 4, 12, 0))
    ticket = actions.create_ticket(
        subject="Site down", body="Everything is 500.", customer=desk.acme_alice,
        channel=Channel.EMAIL, by=None, priority=Priority.URGENT,
    )  # fmt: skip
    event = Event.objects.get(ticket=ticket, kind=EventKind.MESSAGE)
    # then Sanne (on call) is paged; on Tuesday morning nobody would be paged (Monday 6 April
    # is Easter Monday, a Dutch holiday: closed), the first line hears of a new urgent ticket.
    assert notify.deliver(event) == 1
    assert _who(NotificationKind.URGENT) == {"Sanne Jansen"}
    clock.to(ams(2026, 4, 7, 10, 0))
    Notification.objects.all().delete()
    notify.deliver(event)
    assert _who(NotificationKind.URGENT) == set()
    first_line = {u.name for u in desk.first_line.members.filter(is_active=True)}
    assert first_line and _who(NotificationKind.NEW_URGENT) == first_line


def test_making_a_ticket_urgent_at_night_queues_a_page(desk: Desk, sla: Sla, clock: Clock) -> None:
    from django_tasks_db.models import DBTaskResult

    _on_call_tonight(desk, sla)
    clock.to(ams(2026, 4, 4, 12, 0))
    ticket = _assigned(desk)
    before = DBTaskResult.objects.filter(task_path__endswith="deliver_events").count()
    actions.set_priority(ticket, Priority.URGENT, by=desk.agent)
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_events").count() == before + 1
    _deliver(EventKind.PRIORITY)
    assert _who(NotificationKind.URGENT) == {"Sanne Jansen"}
