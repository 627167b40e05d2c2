""" "Still working on it": a reminder when an open ticket has had no public update for long."""

from __future__ import annotations

from typing import Any

from loket.accounts.models import Formality, User
from loket.sla import notify
from loket.sla.models import Notification, NotificationKind, TicketSla
from loket.sla.still_working import sweep_still_working
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind, State, Ticket
from loket.tickets.timeline import DESCRIBERS
from tests.conftest import Desk
from tests.sla.conftest import Clock, Sla, ams


def _ticket(desk: Desk, *, assigned: bool = True) -> Ticket:
    ticket = actions.create_ticket(
        subject="Refund?", body="Where is my refund?", customer=desk.acme_alice,
        channel=Channel.EMAIL, by=None,
    )  # fmt: skip
    return actions.assign(ticket, desk.agent, by=desk.agent) if assigned else ticket


def _reminders(ticket: Ticket) -> list[Event]:
    return list(Event.objects.filter(ticket=ticket, kind=EventKind.STILL_WORKING).order_by("pk"))


def _replies(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY)
        .order_by("pk")
        .values_list("body", flat=True)
    )


def test_reminded_after_the_limit_not_before_and_not_twice(
    desk: Desk, sla: Sla, clock: Clock, settings: Any
) -> None:
    settings.STILL_WORKING_HOURS = 24
    # Given a ticket created Monday 10:00 and assigned, without any public reply
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    # when the sweep runs just before the limit, nothing happens
    clock.to(ams(2026, 3, 31, 9, 59))
    assert sweep_still_working() == []
    # then just after it, the assignee is reminded once, with an event on the ticket
    clock.to(ams(2026, 3, 31, 10, 0))
    new = sweep_still_working()
    assert len(new) == 1
    event = Event.objects.get(pk=new[0])
    assert event.kind == EventKind.STILL_WORKING
    assert event.after == {"since": "2026-03-30T08:00:00+00:00", "to": "assignee", "note": False}
    assert notify.deliver(event) == 1
    note = Notification.objects.get(event=event)
    assert (note.recipient, note.kind) == (desk.agent, NotificationKind.STILL_WORKING)
    assert "24" in DESCRIBERS[EventKind.STILL_WORKING](event)
    # and a later sweep in the same quiet period does not remind again
    clock.to(ams(2026, 4, 3, 10, 0))
    assert sweep_still_working() == []
    assert _replies(ticket) == []  # the customer note is off by default


def test_a_public_reply_starts_a_new_quiet_period_and_a_note_does_not(
    desk: Desk, sla: Sla, clock: Clock, settings: Any
) -> None:
    settings.STILL_WORKING_HOURS = 24
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    # Given a public reply at Tuesday 09:00 (before the first limit) and an internal note later
    clock.to(ams(2026, 3, 31, 9, 0))
    actions.reply(ticket, body="Looking into it.", by=desk.agent)
    clock.to(ams(2026, 3, 31, 9, 30))
    actions.add_note(ticket, body="Asked finance.", by=desk.agent)
    # when the sweep runs 24 h after creation, the reply has reset the period
    clock.to(ams(2026, 3, 31, 10, 30))
    assert sweep_still_working() == []
    # then the reminder comes 24 h after the reply (the internal note does not count)
    clock.to(ams(2026, 4, 1, 9, 0))
    assert len(sweep_still_working()) == 1
    # and after another public reply, a new quiet period gives a new reminder
    clock.to(ams(2026, 4, 1, 10, 0))
    actions.reply(ticket, body="Finance says soon.", by=desk.agent)
    clock.to(ams(2026, 4, 2, 10, 0))
    assert len(sweep_still_working()) == 1
    assert len(_reminders(ticket)) == 2


def test_only_open_tickets_are_reminded(desk: Desk, sla: Sla, clock: Clock) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    waiting = _ticket(desk)
    actions.reply(waiting, body="Which order?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    resolved = _ticket(desk)
    actions.reply(resolved, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    third = _ticket(desk)
    actions.change_state(third, State.WAITING_THIRD_PARTY, by=desk.agent)
    # Given tickets waiting on the customer, resolved, and waiting on a third party
    clock.to(ams(2026, 4, 2, 10, 0))
    # then only the one still on our side gets a reminder
    new = sweep_still_working()
    assert [Event.objects.get(pk=i).ticket_id for i in new] == [third.pk]
    assert TicketSla.objects.get(pk=resolved.pk).quiet_since is None


def test_unassigned_ticket_reminds_the_manager_and_sends_no_note(
    desk: Desk, sla: Sla, clock: Clock, settings: Any
) -> None:
    settings.STILL_WORKING_CUSTOMER_NOTE = True
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk, assigned=False)
    # Given an unassigned ticket, quiet for two days
    clock.to(ams(2026, 4, 1, 10, 0))
    [event_id] = sweep_still_working()
    event = Event.objects.get(pk=event_id)
    notify.deliver(event)
    # then the team's manager hears of it, and the customer gets nothing (nobody to sign it)
    assert event.after["to"] == "manager"
    assert [n.recipient for n in Notification.objects.filter(event=event)] == [desk.manager]
    assert _replies(ticket) == []


def _note_for(desk: Desk, clock: Clock, language: str, formality: str) -> tuple[Ticket, str]:
    customer: User = desk.acme_alice
    customer.language, customer.formality = language, formality
    customer.save(update_fields=["language", "formality"])
    clock.to(ams(2026, 3, 30, 10, 0))
    ticket = _ticket(desk)
    clock.to(ams(2026, 4, 1, 10, 0))
    assert len(sweep_still_working()) == 1
    [body] = _replies(ticket)
    return ticket, body


def test_customer_note_in_english(desk: Desk, sla: Sla, clock: Clock, settings: Any) -> None:
    settings.STILL_WORKING_CUSTOMER_NOTE = True
    # Given the note is on and an English-speaking customer
    ticket, body = _note_for(desk, clock, "en", Formality.UNKNOWN)
    # then the assignee sends a public progress note, which answers the waiting message
    assert body.startswith("We are still working on your question")
    message = Message.objects.get(ticket=ticket, kind=MessageKind.REPLY)
    assert message.author == desk.agent
    assert not Message.objects.filter(ticket=ticket, needs_reply=True).exists()
    assert _reminders(ticket)[0].after["note"] is True
    # and the note does not start a new quiet period: no note a day later
    clock.to(ams(2026, 4, 3, 10, 0))
    assert sweep_still_working() == []
    assert len(_replies(ticket)) == 1


def test_customer_note_in_dutch_by_form_of_address(
    desk: Desk, sla: Sla, clock: Clock, settings: Any
) -> None:
    settings.STILL_WORKING_CUSTOMER_NOTE = True
    _, informal = _note_for(desk, clock, "nl", Formality.INFORMAL)
    assert "je vraag" in informal and "uw" not in informal.split()
    Ticket.objects.all().delete()
    _, formal = _note_for(desk, clock, "nl", Formality.FORMAL)
    assert "uw vraag" in formal and "je" not in formal.split()


def test_the_sweep_is_a_periodic_job() -> None:
    # Given the SLA app is loaded, then the worker runs the still-working sweep periodically
    from loket.jobs import scheduler

    assert any(p.task_path == "loket.sla.tasks.still_working" for p in scheduler.PERIODIC)
