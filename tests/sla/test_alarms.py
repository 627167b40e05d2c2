""" "Never ignore": an unanswered customer message raises an alarm that climbs a chain."""

from __future__ import annotations

from typing import Any

from loket.rota.models import Role, TeamRota
from loket.sla import notify
from loket.sla.alarms import CHAIN, sweep_alarms
from loket.sla.models import Notification, NotificationKind, TicketSla
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Ticket
from tests.conftest import Desk
from tests.rota.conftest import EVERY_DAY, weekly
from tests.sla.conftest import Clock, Sla, ams


def _ticket(desk: Desk) -> Ticket:
    ticket = actions.create_ticket(
        subject="Refund?", body="Where is my refund?", customer=desk.acme_alice,
        channel=Channel.EMAIL, by=None,
    )  # fmt: skip
    return actions.assign(ticket, desk.agent, by=desk.agent)


def _steps(ticket: Ticket) -> list[Any]:
    events = Event.objects.filter(ticket=ticket, kind=EventKind.ALARM).order_by("pk")
    return [e.after["to"] for e in events if isinstance(e.after, dict)]


def test_alarm_climbs_assignee_team_on_call_manager(
    desk: Desk, sla: Sla, clock: Clock, settings: Any
) -> None:
    settings.UNANSWERED_ALARM_MINUTES = 60
    TeamRota.objects.create(team=desk.first_line)
    weekly(desk.first_line, desk.tech, EVERY_DAY, "00:00", "00:00", role=Role.ON_CALL)
    # Given a message from Monday 10:00 that nobody answers
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    # then each business hour the alarm goes one step up, and stops after the manager
    for hour, expected in [(10, []), (11, ["assignee"]), (12, ["team"]), (13, ["on_call"]),
                           (14, ["manager"]), (15, [])]:  # fmt: skip
        clock.to(ams(2026, 3, 30, hour, 0))
        new = sweep_alarms()
        assert [Event.objects.get(pk=i).after for i in new] == [
            {"level": CHAIN.index(step) + 1, "to": step, "since": "2026-03-30T08:00:00+00:00"}
            for step in expected
        ]
        for event in Event.objects.filter(pk__in=new):
            notify.deliver(event)
    assert _steps(ticket) == ["assignee", "team", "on_call", "manager"]
    people = {
        level: {n.recipient.name for n in Notification.objects.filter(event__after__to=level)}
        for level in ("assignee", "on_call", "manager")
    }
    assert people == {
        "assignee": {"Anna de Vries"},
        "on_call": {"Sanne Jansen"},
        "manager": {"Pieter Visser"},
    }
    assert Notification.objects.filter(kind=NotificationKind.ALARM).exists()
    assert TicketSla.objects.get(pk=ticket.pk).alarm_at is None


def test_a_reply_ends_the_alarm_and_a_new_message_starts_it_again(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    clock.to(ams(2026, 3, 30, 11, 0))
    assert len(sweep_alarms()) == 1
    actions.reply(ticket, body="Refund sent today.", by=desk.agent)
    assert TicketSla.objects.get(pk=ticket.pk).alarm_at is None
    # when the customer writes again at 11:30, the chain starts from the first step
    clock.to(ams(2026, 3, 30, 11, 30))
    actions.add_customer_message(
        ticket,
        body="Thanks, and the invoice?",
        author=desk.acme_alice,
        channel=Channel.EMAIL,
        by=None,
    )
    s = TicketSla.objects.get(pk=ticket.pk)
    assert (s.alarm_level, s.alarm_at) == (0, ams(2026, 3, 30, 12, 30))
    # and "no reply needed" ends it as well.
    actions.mark_no_reply_needed(ticket, by=desk.agent, reason="Answered by phone")
    assert TicketSla.objects.get(pk=ticket.pk).alarm_at is None


def test_no_alarm_at_night_or_at_the_weekend_on_office_hours(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    # Given a message on Friday 16:30 (office calendar, alarm after 60 business minutes)
    clock.to(ams(2026, 3, 27, 16, 30))
    ticket = _ticket(desk)
    # then the weekend is quiet and the alarm comes on Monday at 09:30.
    for when in (ams(2026, 3, 27, 18), ams(2026, 3, 28, 12), ams(2026, 3, 30, 9, 29)):
        clock.to(when)
        assert sweep_alarms() == []
    clock.to(ams(2026, 3, 30, 9, 30))
    assert len(sweep_alarms()) == 1
    assert _steps(ticket) == ["assignee"]


def test_after_an_outage_the_steps_still_go_one_at_a_time(
    desk: Desk, sla: Sla, clock: Clock
) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    clock.to(ams(2026, 3, 30, 16, 0))  # every step is overdue
    assert len(sweep_alarms()) == 1
    assert sweep_alarms() == []
    assert TicketSla.objects.get(pk=ticket.pk).alarm_at == ams(2026, 3, 30, 16, 1)


def test_without_a_policy_the_alarm_counts_plain_minutes(desk: Desk, clock: Clock) -> None:
    clock.to(ams(2026, 3, 28, 23, 0))  # Saturday night, no SLA policy at all
    ticket = _ticket(desk)
    assert TicketSla.objects.get(pk=ticket.pk).alarm_at == ams(2026, 3, 29, 0, 0)
