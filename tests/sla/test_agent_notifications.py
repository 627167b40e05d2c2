"""Notifications about an agent's own work: a customer answers their ticket, a ticket is
assigned to them, a colleague mentions them in a note; and the staff mail, batched per agent
(at most one mail per window) and held back in quiet hours."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.accounts.models import Role, User
from loket.sla import mentions, notify
from loket.sla.models import EmailState, Notification, NotificationKind, NotifySettings
from loket.tickets import actions
from loket.tickets.models import Channel, Ticket
from tests.conftest import PASSWORD, Desk
from tests.sla.conftest import Clock, ams, send_mails


def run_deliveries() -> int:
    """Runs the queued ``deliver_events`` tasks as the worker would; returns how many
    notifications they stored."""
    rows = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path="loket.sla.notify.deliver_events"
    ).order_by("enqueued_at", "id")
    made = 0
    for row in list(rows):
        DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
        made += notify.deliver_events.call(*row.args_kwargs["args"])
    return made


def _ticket(desk: Desk, subject: str = "Banner gone") -> Ticket:
    return actions.create_ticket(
        subject=subject, body="Since this morning.", customer=desk.acme_alice,
        channel=Channel.WEB, by=desk.acme_alice,
    )  # fmt: skip


def _kinds(person: User) -> list[str]:
    return list(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


def test_assigning_a_ticket_to_a_colleague_tells_them_but_not_taking_it_yourself(
    desk: Desk,
) -> None:
    # Given a new ticket, when Anna assigns it to Sanne
    ticket = _ticket(desk)
    actions.assign(ticket, desk.tech, by=desk.agent)
    run_deliveries()
    # then Sanne is told who gave it to her, in the desk and (batched) by mail
    note = Notification.objects.get(recipient=desk.tech)
    assert note.kind == NotificationKind.ASSIGNED and note.ticket == ticket
    assert note.text == f"#{ticket.pk} Banner gone: Anna de Vries assigned it to you"
    assert send_mails() == 1
    (message,) = mail.outbox
    assert message.to == [desk.tech.email] and f"/desk/tickets/{ticket.pk}/" in message.body
    # and taking a ticket yourself notifies nobody
    actions.assign(ticket, desk.agent, by=desk.agent)
    run_deliveries()
    assert _kinds(desk.agent) == []


def test_a_customer_answer_reaches_the_assignee(desk: Desk) -> None:
    # Given a ticket Anna took herself (no notification for the opening message)
    ticket = _ticket(desk)
    actions.assign(ticket, desk.agent, by=desk.agent)
    actions.reply(ticket, body="Which browser?", by=desk.agent)
    run_deliveries()
    assert _kinds(desk.agent) == []
    # when the customer answers
    actions.add_customer_message(
        ticket, body="Firefox.", author=desk.acme_alice, channel=Channel.WEB, by=desk.acme_alice
    )
    run_deliveries()
    # then Anna hears of it
    (note,) = Notification.objects.filter(recipient=desk.agent)
    assert note.kind == NotificationKind.CUSTOMER_REPLY
    assert note.text == f"#{ticket.pk} Banner gone: the customer answered"


def test_a_mention_in_a_note_reaches_the_colleagues_named(desk: Desk) -> None:
    ticket = _ticket(desk)
    # when Anna writes a note naming Sanne by first name and the manager by full name, herself,
    # and an e-mail address that is no mention
    actions.add_note(
        ticket,
        body="@sanne can you look? cc @Pieter Visser. Mine: @anna. Customer: info@acme.test",
        by=desk.agent,
    )
    run_deliveries()
    # then Sanne and Pieter are told, Anna (the author) is not
    assert _kinds(desk.tech) == [NotificationKind.MENTION]
    assert _kinds(desk.manager) == [NotificationKind.MENTION]
    assert _kinds(desk.agent) == []
    note = Notification.objects.get(recipient=desk.tech)
    assert note.text == f"#{ticket.pk} Banner gone: Anna de Vries mentioned you in a note"


def test_mentions_match_names_and_addresses_but_not_customers_or_strangers(desk: Desk) -> None:
    User.objects.create_user(
        "anna.b@loket.test", PASSWORD, role=Role.AGENT, display_name="Anna Bakker"
    )
    names = lambda text: sorted(u.display_name for u in mentions.mentioned(text))  # noqa: E731
    assert names("@tech@loket.test please") == ["Sanne Jansen"]
    assert names("@sanne.jansen and @annadevries") == ["Anna de Vries", "Sanne Jansen"]
    assert names("@anna") == []  # two agents are called Anna: a first name alone is ambiguous
    assert names("@anna.b, look") == ["Anna Bakker"]  # her address's local part
    assert names("@Anna Bakker, see this") == ["Anna Bakker"]
    assert names("@alice (a customer) and @nobody") == []
    assert names("mail sanne@example.com") == []
    assert not mentions.may_mention("no at sign here")


def test_many_events_give_one_mail_per_window(desk: Desk, clock: Clock) -> None:
    # Given twenty tickets assigned to Sanne by Anna within a minute
    clock.to(ams(2026, 3, 30, 10, 0))
    tickets = [_ticket(desk, f"Problem {i}") for i in range(20)]
    for ticket in tickets:
        actions.assign(ticket, desk.tech, by=desk.agent)
    assert run_deliveries() == 20
    # then one mail task waits for her, and it sends one digest of all twenty
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path="loket.sla.mailing.send_batch"
    )
    assert waiting.count() == 1
    assert send_mails() == 20
    (digest,) = mail.outbox
    assert digest.to == [desk.tech.email]
    assert "20 notifications" in digest.subject
    assert all(f"Problem {i}:" in digest.body for i in range(20))
    assert set(Notification.objects.values_list("channels", flat=True)) == {"email"}
    # when three more come two minutes later, no mail yet: the window is five minutes
    clock.to(ams(2026, 3, 30, 10, 2))
    for ticket in tickets[:3]:
        actions.assign(ticket, None, by=desk.agent)  # unassigning tells nobody
        actions.assign(ticket, desk.tech, by=desk.agent)
    run_deliveries()
    assert Notification.objects.filter(recipient=desk.tech).count() == 23
    assert send_mails() == 0 and len(mail.outbox) == 1
    # then at the end of the window the second mail holds the three
    clock.to(ams(2026, 3, 30, 10, 5) + timedelta(seconds=1))
    assert send_mails() == 3
    assert len(mail.outbox) == 2 and "3 notifications" in mail.outbox[1].subject
    assert mail.outbox[1].to == [desk.tech.email]


def test_a_failed_mail_is_kept_and_sent_later(desk: Desk, clock: Clock, settings: object) -> None:
    clock.to(ams(2026, 3, 30, 10, 0))
    actions.assign(_ticket(desk), desk.tech, by=desk.agent)
    run_deliveries()
    # Given the mail server refuses the connection
    setattr(settings, "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")  # noqa: B010
    setattr(settings, "EMAIL_PORT", 9)  # noqa: B010  (discard: nothing listens)
    setattr(settings, "EMAIL_HOST", "127.0.0.1")  # noqa: B010
    assert send_mails() == 0
    note = Notification.objects.get(recipient=desk.tech)
    assert note.email_state == EmailState.PENDING and note.channels == ""
    # when the server is back and the retry is due, then it goes out once
    setattr(settings, "EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")  # noqa: B010
    clock.to(ams(2026, 3, 30, 10, 2))
    assert send_mails() == 1 and len(mail.outbox) == 1
    assert send_mails(due_only=False) == 0


def test_quiet_hours_hold_back_mail_but_the_desk_lists_it(desk: Desk, clock: Clock) -> None:
    # Given Sanne's quiet hours 22:00-07:00 (Amsterdam)
    NotifySettings.objects.create(agent=desk.tech, quiet_from=time(22), quiet_until=time(7))
    clock.to(ams(2026, 3, 30, 23, 0))
    actions.assign(_ticket(desk), desk.tech, by=desk.agent)
    run_deliveries()
    # then no mail is queued or sent at night, and the notification waits in the desk
    assert send_mails(due_only=False) == 0 and mail.outbox == []
    note = Notification.objects.get(recipient=desk.tech)
    assert note.read_at is None and note.email_state == EmailState.NONE
    # and in the morning a new one is mailed again
    clock.to(ams(2026, 3, 31, 8, 0))
    actions.assign(_ticket(desk, "Morning"), desk.tech, by=desk.agent)
    run_deliveries()
    assert send_mails() == 1 and len(mail.outbox) == 1


@pytest.mark.parametrize("kind", [NotificationKind.ASSIGNED, NotificationKind.MENTION])
def test_agents_can_turn_off_mail_per_kind(desk: Desk, kind: NotificationKind) -> None:
    NotifySettings.objects.create(
        agent=desk.tech, channel_kinds={"email": [k for k in NotificationKind if k != kind]}
    )
    ticket = _ticket(desk)
    actions.assign(ticket, desk.tech, by=desk.agent)
    actions.add_note(ticket, body="@sanne see above", by=desk.agent)
    run_deliveries()
    assert sorted(_kinds(desk.tech)) == sorted(
        [NotificationKind.ASSIGNED, NotificationKind.MENTION]
    )
    assert send_mails() == 1
    (message,) = mail.outbox
    wanted = ({NotificationKind.ASSIGNED, NotificationKind.MENTION} - {kind}).pop()
    expected = "assigned it to you" if wanted == NotificationKind.ASSIGNED else "mentioned you"
    assert expected in message.subject
