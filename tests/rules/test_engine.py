"""The rules engine on real tickets: triggers, order, the timeline entry, the guards, a rule
that fails at run time, and actions a ticket's state refuses."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from loket.rules.models import Firing, GuardTrip, Rule
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind, Priority, State, Ticket
from tests.conftest import Desk
from tests.rules.helpers import act, cond, make_rule


def _new_ticket(desk: Desk, subject: str = "Banner gone", body: str = "Please help") -> Ticket:
    return actions.create_ticket(
        subject=subject, body=body, customer=desk.acme_alice, channel=Channel.EMAIL, by=None
    )


def _queued(path_part: str) -> list[Any]:
    return [r for r in DBTaskResult.objects.all() if path_part in r.task_path]


def test_a_created_rule_moves_sets_priority_and_tags_and_names_itself_on_the_timeline(
    desk: Desk,
) -> None:
    # given a rule for partner organisations' mails about payouts
    rule = make_rule(
        desk.admin,
        "Payouts to second line",
        conditions=[
            cond("channel", "is", ["email"]),
            cond("organisation_tier", "is", ["partner"]),
            cond("text", "contains", "payout, uitbetaling"),
        ],
        effects=[
            act("team", desk.second_line.pk),
            act("priority", Priority.HIGH),
            act("add_tags", "payout, partner"),
        ],
    )
    # when a partner mails about a payout
    ticket = _new_ticket(desk, "Question", "Where is my payout for October?")
    ticket.refresh_from_db()
    # then the rule changed it through the ticket actions, with their events
    assert ticket.team_id == desk.second_line.pk and ticket.priority == Priority.HIGH
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["partner", "payout"]
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert {EventKind.TEAM, EventKind.PRIORITY, EventKind.TAGS, EventKind.RULE} <= set(kinds)
    fired = ticket.events.get(kind=EventKind.RULE)
    assert fired.after["name"] == "Payouts to second line" and fired.actor is None
    assert Firing.objects.get(rule=rule, ticket=ticket).ok
    # and a mail without the word does not match
    other = _new_ticket(desk, "Banner", "The banner is gone")
    assert not other.events.filter(kind=EventKind.RULE).exists()


def test_rules_see_the_whole_change_and_their_changes_are_not_overwritten(desk: Desk) -> None:
    # given a rule that resolves a ticket when an agent replies with a tag set
    make_rule(
        desk.admin,
        "Agent replied: add tag",
        triggers=["agent_replied"],
        effects=[act("add_tags", "answered")],
    )
    ticket = _new_ticket(desk)
    # when an agent replies and sets the ticket waiting on the customer in the same action
    actions.reply(ticket, body="Done?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    ticket.refresh_from_db()
    # then both hold: the reply's state and the rule's tag
    assert ticket.state == State.WAITING_CUSTOMER
    assert list(ticket.tags.values_list("name", flat=True)) == ["answered"]


def test_rules_run_in_order_and_a_later_rule_sees_the_earlier_ones_change(desk: Desk) -> None:
    first = make_rule(desk.admin, "Urgent words", effects=[act("priority", Priority.URGENT)],
                      conditions=[cond("subject", "contains", "down")])  # fmt: skip
    make_rule(
        desk.admin,
        "Urgent to second line",
        conditions=[cond("priority", "gte", Priority.URGENT)],
        effects=[act("team", desk.second_line.pk)],
    )
    ticket = _new_ticket(desk, "Site down", "Nothing loads")
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team_id) == (Priority.URGENT, desk.second_line.pk)
    # swapped, the second rule runs first and does not see the urgency yet
    Rule.objects.filter(pk=first.pk).update(position=999)
    Rule.objects.filter(pk=first.pk).update(updated_at=first.updated_at.replace(year=2030))
    again = _new_ticket(desk, "Site down again", "Nothing loads")
    again.refresh_from_db()
    assert (again.priority, again.team_id) == (Priority.URGENT, desk.first_line.pk)


def test_a_rule_does_not_react_to_its_own_change(desk: Desk) -> None:
    # given a rule that reacts to field changes by adding a tag (which is a field change)
    rule = make_rule(
        desk.admin,
        "Tag on every change",
        triggers=["field_changed"],
        conditions=[cond("tags", "has_not", "seen")],
        effects=[act("add_tags", "seen")],
    )
    make_rule(desk.admin, "Remove seen", triggers=["field_changed"],
              conditions=[cond("changed", "is", ["priority"])],
              effects=[act("remove_tags", "nothing-here")])  # fmt: skip
    ticket = _new_ticket(desk)
    # when an agent changes the priority
    actions.set_priority(ticket, Priority.HIGH, by=desk.agent)
    # then the rule fired once for the agent's change, not again for its own tag change
    assert Firing.objects.filter(rule=rule, ticket=ticket, ok=True).count() == 1
    assert list(ticket.tags.values_list("name", flat=True)) == ["seen"]


def test_the_loop_guard_stops_a_ticket_after_n_firings_an_hour_and_tells_admins(
    desk: Desk, settings: Any
) -> None:
    settings.RULES_FIRINGS_PER_HOUR = 5
    # given two rules that undo each other (a loop through each other's changes)
    make_rule(desk.admin, "Ping", triggers=["field_changed"],
              conditions=[cond("tags", "has_not", "ping")],
              effects=[act("add_tags", "ping")])  # fmt: skip
    make_rule(desk.admin, "Pong", triggers=["field_changed"],
              conditions=[cond("tags", "has", "ping")],
              effects=[act("remove_tags", "ping")])  # fmt: skip
    ticket = _new_ticket(desk)
    # when an agent changes the priority, each rule fires once for the change (Ping adds the
    # tag, Pong removes it), not again for each other's changes
    actions.set_priority(ticket, Priority.HIGH, by=desk.agent)
    assert Firing.objects.filter(ticket=ticket, ok=True).count() == 2
    # and as the agent keeps changing it, the guard stops the ticket's rules at five an hour
    actions.set_priority(ticket, Priority.LOW, by=desk.agent)
    actions.set_priority(ticket, Priority.HIGH, by=desk.agent)
    assert Firing.objects.filter(ticket=ticket, ok=True).count() == 5
    assert GuardTrip.objects.filter(ticket=ticket).count() == 1
    (alert,) = _queued("tell_admins")
    assert alert.args_kwargs["args"][0] == "loop"
    # further changes within the hour fire nothing more, and alert nobody again
    actions.set_priority(ticket, Priority.LOW, by=desk.agent)
    assert Firing.objects.filter(ticket=ticket, ok=True).count() == 5
    assert len(_queued("tell_admins")) == 1
    # the changes themselves committed
    ticket.refresh_from_db()
    assert ticket.priority == Priority.LOW


def test_a_rule_failing_at_run_time_is_switched_off_and_the_change_still_commits(
    desk: Desk,
) -> None:
    from loket.accounts.models import Team, Tier

    spare = Team.objects.create(name="Spare", tier=Tier.FIRST_LINE)
    rule = make_rule(desk.admin, "To spare", effects=[act("priority", Priority.HIGH),
                                                     act("team", spare.pk)])  # fmt: skip
    later = make_rule(desk.admin, "Tag", effects=[act("add_tags", "later")])
    spare.delete()  # deleted after the rule was saved
    # when a ticket comes in
    ticket = _new_ticket(desk, "Hello", "Something")
    # then the ticket exists, the failing rule's first change was rolled back with it,
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert not ticket.events.filter(kind=EventKind.PRIORITY).exists()
    # the rule is off with the reason, the admins are told, and later rules still ran
    rule.refresh_from_db()
    assert not rule.enabled and "deleted" in rule.disabled_reason
    (notice,) = _queued("tell_admins")
    assert notice.args_kwargs["args"][:2] == ["disabled", rule.pk]
    assert Firing.objects.filter(rule=later, ticket=ticket, ok=True).exists()
    # and the admins' notice arrives in their notifications
    from loket.rules.automation.notices import tell_admins
    from loket.sla.models import Notification

    assert tell_admins.call(*notice.args_kwargs["args"]) == 1
    assert "To spare" in Notification.objects.get(recipient=desk.admin).text


def test_a_change_the_ticket_refuses_only_skips_that_firing(desk: Desk) -> None:
    # given a rule that sets closed tickets' state to open (the state machine refuses it)
    rule = make_rule(desk.admin, "Reopen", triggers=["state_changed"],
                     conditions=[cond("state", "is", ["closed"])],
                     effects=[act("state", State.OPEN)])  # fmt: skip
    ticket = _new_ticket(desk)
    actions.reply(ticket, body="Fixed", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(ticket, State.CLOSED, by=desk.agent)
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    failed = Firing.objects.get(rule=rule, ticket=ticket)
    assert not failed.ok and failed.error
    rule.refresh_from_db()
    assert rule.enabled


def test_a_slow_pattern_at_run_time_switches_the_rule_off(desk: Desk) -> None:
    # given a pattern that is quick on the save-time probe but backtracks on runs of x
    rule = make_rule(desk.admin, "Pattern", conditions=[cond("body", "matches", r"(x+x+)+y")],
                     effects=[act("add_tags", "x")])  # fmt: skip
    # when a message full of x arrives
    ticket = _new_ticket(desk, "Long", "x" * 3000)
    # then the ticket is there, the pattern's time ran out, and the rule is off with why
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    rule.refresh_from_db()
    assert not rule.enabled and "took too long" in rule.disabled_reason
    assert not ticket.tags.exists()


def test_sla_breach_events_written_in_bulk_trigger_rules(desk: Desk) -> None:
    from loket.tickets import eventlog

    make_rule(desk.admin, "Breach → urgent", triggers=["sla_breach"],
              effects=[act("priority", Priority.URGENT)])  # fmt: skip
    ticket = _new_ticket(desk)
    events = Event.objects.bulk_create([Event(ticket=ticket, kind=EventKind.SLA_BREACH)])
    eventlog.bulk_written.send(sender=Event, events=events)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT


@pytest.mark.parametrize("trigger", ["customer_replied"])
def test_customer_reply_trigger(desk: Desk, trigger: str) -> None:
    make_rule(desk.admin, "Customer came back", triggers=[trigger],
              effects=[act("add_tags", "came-back")])  # fmt: skip
    ticket = _new_ticket(desk)
    assert not ticket.tags.exists()
    actions.add_customer_message(
        ticket, body="Any news?", author=desk.acme_alice, channel=Channel.EMAIL, by=None
    )
    assert list(ticket.tags.values_list("name", flat=True)) == ["came-back"]


def test_follow_up_changes_are_coalesced_and_each_is_seen(desk: Desk) -> None:
    # given a rule that tags and raises the priority, and one that reacts to priority changes
    make_rule(desk.admin, "Tag and raise",
              effects=[act("add_tags", "raised"), act("priority", Priority.HIGH)])  # fmt: skip
    watcher = make_rule(desk.admin, "Priority watcher", triggers=["field_changed"],
                        conditions=[cond("changed", "is", ["priority"])],
                        effects=[act("note", "Priority went up")])  # fmt: skip
    ticket = _new_ticket(desk)
    # then the watcher saw the priority change (though the tag change came first) once
    assert Firing.objects.filter(rule=watcher, ticket=ticket).count() == 1
    assert ticket.messages.filter(body="Priority went up").exists()
