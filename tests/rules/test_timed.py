"""Time-based rules: waiting on the customer for 3 days sends a reminder, 7 days solves the
ticket with a notice; each once per stay in the state, however often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from loket.kb.models import Macro, MacroText
from loket.rules.automation.timed import run_timed, run_timed_rules
from loket.rules.models import Firing
from loket.tickets import actions
from loket.tickets.models import Channel, MessageKind, State
from tests.conftest import Desk
from tests.rules.helpers import act, cond, make_rule

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _macro(title: str, shortcut: str, text: str) -> Macro:
    macro = Macro.objects.create(title=title, shortcut=shortcut)
    MacroText.objects.create(macro=macro, language="en", body=text)
    return macro


def test_reminder_after_three_days_and_solved_after_seven_once_each(desk: Desk) -> None:
    reminder = make_rule(
        desk.admin, "Remind after 3 days", triggers=["timed"], wait_hours=72,
        conditions=[cond("state", "is", ["waiting_customer"])],
        effects=[act("reply", _macro("Reminder", "remind", "Do you still need help?").pk)],
    )  # fmt: skip
    solve = make_rule(
        desk.admin, "Solve after 7 days", triggers=["timed"], wait_hours=168,
        conditions=[cond("state", "is", ["waiting_customer"])],
        effects=[act("reply", _macro("Closing", "closing", "We solve this now.").pk),
                 act("state", State.RESOLVED)],
    )  # fmt: skip
    with time_machine.travel(START, tick=False) as traveller:
        ticket = actions.create_ticket(
            subject="Banner", body="Help", customer=desk.acme_alice, channel=Channel.EMAIL, by=None
        )
        actions.reply(ticket, body="Which page?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
        # after two days nothing happens
        traveller.shift(timedelta(days=2))
        assert run_timed() == 0
        # after three days the reminder goes out, once, however often the job runs
        traveller.shift(timedelta(days=1, minutes=5))
        assert run_timed_rules.call() == 1
        assert run_timed() == 0
        replies = list(
            ticket.messages.filter(kind=MessageKind.REPLY).values_list("body", flat=True)
        )
        assert replies[-1] == "Do you still need help?"
        ticket.refresh_from_db()
        assert ticket.state == State.WAITING_CUSTOMER  # the reminder keeps it waiting
        # after seven days (counted from when it started waiting) it is solved with a notice
        traveller.shift(timedelta(days=4))
        assert run_timed() == 1
        ticket.refresh_from_db()
        assert ticket.state == State.RESOLVED
        last = ticket.messages.filter(kind=MessageKind.REPLY).last()
        assert last is not None and last.body == "We solve this now."
        assert run_timed() == 0
    assert Firing.objects.filter(rule=reminder, ticket=ticket).count() == 1
    assert Firing.objects.filter(rule=solve, ticket=ticket).count() == 1


def test_a_new_stay_in_the_state_counts_again(desk: Desk) -> None:
    make_rule(
        desk.admin, "Remind", triggers=["timed"], wait_hours=72,
        conditions=[cond("state", "is", ["waiting_customer"])],
        effects=[act("add_tags", "reminded")],
    )  # fmt: skip
    with time_machine.travel(START, tick=False) as traveller:
        ticket = actions.create_ticket(
            subject="Banner", body="Help", customer=desk.acme_alice, channel=Channel.EMAIL, by=None
        )
        actions.reply(ticket, body="Which?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
        traveller.shift(timedelta(days=3, minutes=1))
        assert run_timed() == 1
        # the customer answers, the agent asks again: a new stay
        actions.add_customer_message(
            ticket, body="This one", author=desk.acme_alice, channel=Channel.EMAIL, by=None
        )
        actions.set_tags(ticket, [], by=desk.agent)
        actions.reply(ticket, body="And?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
        traveller.shift(timedelta(days=1))
        assert run_timed() == 0
        traveller.shift(timedelta(days=2, minutes=1))
        assert run_timed() == 1
    assert list(ticket.tags.values_list("name", flat=True)) == ["reminded"]
