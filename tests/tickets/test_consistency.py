"""Random sequences of desk actions never leave a ticket inconsistent.

After every step, for every ticket involved:
* ``awaiting_reply_since`` is the arrival of the oldest message that needs a reply, or None;
* a message needing a reply is newer than the latest public reply;
* a closed ticket never changes (only links to its follow-ups are added to its timeline);
* every change is on the timeline as a typed event, and states move only along allowed edges;
* a refused action leaves no trace at all.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Min
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.accounts.models import Tier
from loket.tickets import actions
from loket.tickets.models import EventKind, Message, MessageKind, Priority, State, Ticket
from loket.tickets.states import ALLOWED
from tests.tickets.conftest import snapshot

REASONS = st.sampled_from(["", "   ", "Customer said thanks", "Duplicate of a call"])
OPERATIONS = st.one_of(
    st.tuples(st.just("reply"), st.none() | st.sampled_from(list(State))),
    st.tuples(st.just("customer"), st.sampled_from(["alice", "bob"])),
    st.tuples(st.just("state"), st.sampled_from(list(State))),
    st.tuples(st.just("escalate"), st.sampled_from(list(Tier)), REASONS),
    st.tuples(st.just("note")),
    st.tuples(st.just("no_reply"), REASONS),
    st.tuples(st.just("priority"), st.sampled_from(list(Priority))),
    st.tuples(st.just("assign"), st.sampled_from(["agent", "tech", None])),
)


def _apply(desk: Any, ticket: Ticket, op: tuple[Any, ...]) -> Ticket | None:
    """Runs one operation; returns a follow-up ticket if the operation opened one."""
    kind = op[0]
    if kind == "reply":
        actions.reply(ticket, body="Here is what we found.", by=desk.agent, then_state=op[1])
    elif kind == "customer":
        author = desk.acme_alice if op[1] == "alice" else desk.acme_bob
        message = actions.add_customer_message(
            ticket, body="Any news?", author=author, channel="web", by=author
        )
        if message.ticket_id != ticket.pk:
            return message.ticket
    elif kind == "state":
        actions.change_state(ticket, op[1], by=desk.agent)
    elif kind == "escalate":
        actions.escalate(ticket, op[1], by=desk.agent, reason=op[2])
    elif kind == "note":
        actions.add_note(ticket, body="Checked the logs.", by=desk.agent)
    elif kind == "no_reply":
        actions.mark_no_reply_needed(ticket, by=desk.agent, reason=op[1])
    elif kind == "priority":
        actions.set_priority(ticket, op[1], by=desk.agent)
    elif kind == "assign":
        assignee = {"agent": desk.agent, "tech": desk.tech, None: None}[op[1]]
        actions.assign(ticket, assignee, by=desk.agent)
    return None


def _check_awaiting(ticket: Ticket) -> None:
    fresh = Ticket.objects.get(pk=ticket.pk)
    waiting = Message.objects.filter(ticket=fresh, needs_reply=True)
    assert fresh.awaiting_reply_since == waiting.aggregate(m=Min("created_at"))["m"]
    assert not waiting.exclude(kind=MessageKind.CUSTOMER).exists()
    last_reply = fresh.messages.filter(kind=MessageKind.REPLY).order_by("-id").first()
    if last_reply is not None:
        assert not waiting.filter(id__lt=last_reply.pk).exists()


def _check_changes_are_events(ticket: Ticket, before: dict[str, Any], after: dict[str, Any]):
    new_events = list(ticket.events.order_by("id")[before["events"] :])
    kinds = [e.kind for e in new_events]
    if before["state"] == State.CLOSED:
        # closed is final: only a link to a follow-up may be added
        assert {k: v for k, v in after.items() if k != "events"} == {
            k: v for k, v in before.items() if k != "events"
        }
        assert set(kinds) <= {EventKind.LINKED}
        return
    if after == before:
        return
    assert new_events, "a change without an event"
    assert after["version"] > before["version"]
    if after["state"] != before["state"]:
        state_events = [e for e in new_events if e.kind == EventKind.STATE]
        if before["merged_into"] is None and after["merged_into"] is None:
            assert state_events and state_events[0].before == before["state"]
            assert state_events[-1].after == after["state"]
    if after["priority"] != before["priority"]:
        assert EventKind.PRIORITY in kinds
    if (after["tier"], after["team"]) != (before["tier"], before["team"]):
        assert EventKind.ESCALATED in kinds or EventKind.TEAM in kinds
    if after["assignee"] != before["assignee"]:
        assert EventKind.ASSIGNEE in kinds or EventKind.ESCALATED in kinds
    old_ids = {m[0] for m in before["messages"]}
    event_messages = {e.message_id for e in new_events if e.kind == EventKind.MESSAGE}
    for message_id, *_rest in after["messages"]:
        if message_id not in old_ids:
            assert message_id in event_messages, "a message without its event"
    was_waiting = {m[0] for m in before["messages"] if m[2]}
    now_waiting = {m[0] for m in after["messages"] if m[2]}
    for message_id in was_waiting - now_waiting:
        message = Message.objects.get(pk=message_id)
        if message.answered_by_id is not None:
            assert message.answered_by_id in event_messages
        else:
            assert message.no_reply_by_id is not None and message.no_reply_reason
            assert EventKind.NO_REPLY_NEEDED in kinds


def _check_state_edges(ticket: Ticket) -> None:
    for event in ticket.events.filter(kind=EventKind.STATE):
        assert State(event.after) in ALLOWED[State(event.before)]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=25))
def test_random_action_sequences_keep_every_ticket_consistent(desk, operations):
    # given a fresh ticket from a customer (each example makes its own)
    ticket = actions.create_ticket(
        subject="Random walk",
        body="Something is wrong.",
        customer=desk.acme_alice,
        channel="web",
        by=desk.acme_alice,
    )
    tickets = [ticket]
    current = ticket
    for op in operations:
        before = {t.pk: snapshot(t) for t in tickets}
        # when the operation runs (it may be refused)
        try:
            follow_up = _apply(desk, current, op)
        except (actions.ActionError, PermissionDenied):
            # then a refusal leaves no trace
            assert {t.pk: snapshot(t) for t in tickets} == before, op
            continue
        # then every ticket is consistent, and each change has its event
        for t in tickets:
            _check_awaiting(t)
            _check_changes_are_events(t, before[t.pk], snapshot(t))
            _check_state_edges(t)
        if follow_up is not None:
            assert before[current.pk]["state"] == State.CLOSED
            assert follow_up.links_out.filter(target=current).exists() or (
                follow_up.links_in.filter(source=current).exists()
            )
            tickets.append(follow_up)
            current = follow_up
            _check_awaiting(follow_up)
