"""The ticket state machine: every pair of states, allowed or refused with a readable reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from loket.tickets import actions
from loket.tickets.models import Event, EventKind, State, Ticket
from loket.tickets.states import TransitionError, allowed_targets, check_transition
from tests.tickets.conftest import snapshot

S = State
# Written out here on purpose (not read from loket.tickets.states): the rule, stated twice.
ALLOWED = {
    (S.NEW, S.OPEN),
    (S.NEW, S.WAITING_CUSTOMER),
    (S.NEW, S.WAITING_THIRD_PARTY),
    (S.NEW, S.RESOLVED),
    (S.OPEN, S.WAITING_CUSTOMER),
    (S.OPEN, S.WAITING_THIRD_PARTY),
    (S.OPEN, S.RESOLVED),
    (S.WAITING_CUSTOMER, S.OPEN),
    (S.WAITING_CUSTOMER, S.WAITING_THIRD_PARTY),
    (S.WAITING_CUSTOMER, S.RESOLVED),
    (S.WAITING_THIRD_PARTY, S.OPEN),
    (S.WAITING_THIRD_PARTY, S.WAITING_CUSTOMER),
    (S.WAITING_THIRD_PARTY, S.RESOLVED),
    (S.RESOLVED, S.OPEN),
    (S.RESOLVED, S.CLOSED),
}
PAIRS = [(a, b) for a in State for b in State if a != b]
REFUSED = [pair for pair in PAIRS if pair not in ALLOWED]


def _id(pair: tuple[State, State]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


def _assert_readable(reason: str, source: State, target: State) -> None:
    """A sentence for a person: names what is wrong, no Python reprs or bare codes."""
    assert reason and reason[0].isupper() and reason.endswith(".")
    assert "State." not in reason and "<" not in reason
    if source == State.CLOSED:
        assert "closed" in reason.lower()
    elif target == State.NEW:
        assert "New" in reason
    else:
        assert str(source.label) in reason and str(target.label) in reason


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=_id)
def test_allowed_transition_passes_the_check(pair):
    # given an allowed pair, when checked, then no error
    check_transition(*pair)


@pytest.mark.parametrize("pair", REFUSED, ids=_id)
def test_refused_transition_fails_the_check_with_a_reason(pair):
    # given a refused pair, when checked, then a TransitionError with a readable reason
    with pytest.raises(TransitionError) as refused:
        check_transition(*pair)
    _assert_readable(str(refused.value), *pair)


@pytest.mark.parametrize("state", list(State))
def test_allowed_targets_lists_exactly_the_allowed_pairs(state):
    # given a state, then the targets offered to agents are exactly the allowed ones
    assert set(allowed_targets(state)) == {b for a, b in ALLOWED if a == state}


def test_staying_in_the_same_state_is_not_a_transition():
    for state in State:
        check_transition(state, state)


@pytest.mark.parametrize("pair", [("open", "bogus"), ("bogus", "open")])
def test_unknown_state_is_named_in_the_reason(pair):
    with pytest.raises(TransitionError, match="bogus"):
        check_transition(*pair)


@pytest.fixture
def answered_ticket(desk) -> Ticket:
    """A ticket whose customer message has been answered (so nothing blocks closing it)."""
    ticket = actions.create_ticket(
        subject="Invoice question",
        body="Why is the VAT on my invoice 21%?",
        customer=desk.acme_alice,
        channel="web",
        by=desk.acme_alice,
    )
    actions.reply(ticket, body="Because that is the Dutch rate.", by=desk.agent)
    return ticket


def _put_in_state(ticket: Ticket, state: State) -> None:
    # Test set-up only: place the ticket in the state under test directly.
    Ticket.objects.filter(pk=ticket.pk).update(state=state)


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=_id)
def test_agent_makes_an_allowed_transition_and_it_is_on_the_timeline(desk, answered_ticket, pair):
    source, target = pair
    # given a ticket in the source state
    _put_in_state(answered_ticket, source)
    before = snapshot(answered_ticket)
    # when an agent moves it to the target state
    actions.change_state(answered_ticket, target, by=desk.agent, reason="checked")
    # then the state changed, the version went up, and a typed event says who, from and to
    after = snapshot(answered_ticket)
    assert after["state"] == target
    assert after["version"] == before["version"] + 1
    event = Event.objects.filter(ticket=answered_ticket).latest("id")
    assert (event.kind, event.before, event.after) == (EventKind.STATE, source, target)
    assert event.actor == desk.agent and event.reason == "checked"
    assert after["events"] == before["events"] + 1


@pytest.mark.parametrize("pair", REFUSED, ids=_id)
def test_agent_is_refused_a_forbidden_transition_with_a_reason(desk, answered_ticket, pair):
    source, target = pair
    # given a ticket in the source state
    _put_in_state(answered_ticket, source)
    before = snapshot(answered_ticket)
    # when an agent tries the forbidden move
    with pytest.raises(actions.ActionError) as refused:
        actions.change_state(answered_ticket, target, by=desk.agent)
    # then the reason is readable and nothing changed, not even the timeline
    _assert_readable(str(refused.value), source, target)
    assert snapshot(answered_ticket) == before


def test_setting_the_current_state_again_writes_nothing(desk, answered_ticket):
    before = snapshot(answered_ticket)
    actions.change_state(answered_ticket, State.OPEN, by=desk.agent)
    assert snapshot(answered_ticket) == before


def test_unknown_state_from_an_agent_is_refused_not_crashed(desk, answered_ticket):
    with pytest.raises(actions.ActionError, match="flying"):
        actions.change_state(answered_ticket, "flying", by=desk.agent)  # type: ignore[arg-type]


def test_customer_cannot_change_state(desk, answered_ticket):
    with pytest.raises(PermissionDenied):
        actions.change_state(answered_ticket, State.RESOLVED, by=desk.acme_alice)
    assert Ticket.objects.get(pk=answered_ticket.pk).state == State.OPEN


def test_resolving_stamps_and_reopening_clears_resolved_at(desk, answered_ticket):
    # when resolved, then the time is recorded
    actions.change_state(answered_ticket, State.RESOLVED, by=desk.agent)
    assert snapshot(answered_ticket)["resolved_at"] is not None
    # when reopened, then it is no longer resolved
    actions.change_state(answered_ticket, State.OPEN, by=desk.agent)
    assert snapshot(answered_ticket)["resolved_at"] is None
    # when resolved and closed, then closing keeps the resolution time
    actions.change_state(answered_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(answered_ticket, State.CLOSED, by=desk.agent)
    assert snapshot(answered_ticket)["resolved_at"] is not None


def test_reply_with_a_forbidden_follow_up_state_is_refused_whole(desk, answered_ticket):
    # given a new customer message waiting on an open ticket
    actions.add_customer_message(
        answered_ticket,
        body="And the rate for Belgium?",
        author=desk.acme_alice,
        channel="web",
        by=desk.acme_alice,
    )
    before = snapshot(answered_ticket)
    # when an agent replies and asks for a state the ticket cannot go to
    with pytest.raises(actions.ActionError):
        actions.reply(answered_ticket, body="21% too.", by=desk.agent, then_state=State.CLOSED)
    # then the reply was not stored either: the message still waits
    assert snapshot(answered_ticket) == before


def test_reply_can_set_the_next_state(desk, answered_ticket):
    actions.add_customer_message(
        answered_ticket,
        body="Thanks, one more thing.",
        author=desk.acme_alice,
        channel="web",
        by=desk.acme_alice,
    )
    actions.reply(
        answered_ticket,
        body="Please send the invoice number.",
        by=desk.agent,
        then_state=State.WAITING_CUSTOMER,
    )
    assert snapshot(answered_ticket)["state"] == State.WAITING_CUSTOMER
