"""Bulk changes from the inbox: each ticket through the access check and the same action."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, Priority, State, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def tickets(desk: Desk, n: int) -> list[Ticket]:
    return [
        actions.create_ticket(
            subject=f"Question {i}", body="Help.", customer=desk.acme_alice,
            channel=Channel.WEB, by=desk.acme_alice,
        )
        for i in range(n)
    ]  # fmt: skip


def said(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_assign_to_me_changes_each_ticket_with_its_event(client: Client, desk: Desk) -> None:
    chosen = tickets(desk, 3)
    client.force_login(desk.agent)
    response = client.post(
        "/desk/tickets/bulk/",
        {"ids": [t.pk for t in chosen], "operation": "assign_me", "next": "/desk/?view=mine"},
    )
    assert response.status_code == 302 and response["Location"] == "/desk/?view=mine"
    for t in chosen:
        t.refresh_from_db()
        assert t.assignee == desk.agent
        assert t.events.filter(kind=EventKind.ASSIGNEE, actor=desk.agent).count() == 1
    assert "3 of 3 tickets changed." in said(response)


def test_priority_state_team_and_tag(client: Client, desk: Desk) -> None:
    chosen = tickets(desk, 2)
    ids = [t.pk for t in chosen]
    client.force_login(desk.agent)
    client.post("/desk/tickets/bulk/", {"ids": ids, "operation": "priority", "priority": 4})
    client.post("/desk/tickets/bulk/", {"ids": ids, "operation": "tag", "tag": "banner"})
    client.post("/desk/tickets/bulk/", {"ids": ids, "operation": "tag", "tag": "urgent-fix"})
    client.post("/desk/tickets/bulk/", {"ids": ids, "operation": "state", "state": "open"})
    for t in chosen:
        t.refresh_from_db()
        assert t.priority == Priority.URGENT
        assert t.state == State.OPEN
        assert sorted(t.tags.values_list("name", flat=True)) == ["banner", "urgent-fix"]


def test_one_refusal_does_not_undo_the_others(client: Client, desk: Desk) -> None:
    open_one, closed_one = tickets(desk, 2)
    actions.reply(closed_one, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(closed_one, State.CLOSED, by=desk.agent)
    client.force_login(desk.agent)
    response = client.post(
        "/desk/tickets/bulk/",
        {"ids": [open_one.pk, closed_one.pk], "operation": "priority", "priority": 3},
    )
    open_one.refresh_from_db()
    closed_one.refresh_from_db()
    assert open_one.priority == Priority.HIGH
    assert closed_one.priority != Priority.HIGH
    messages = said(response)
    assert "1 of 2 tickets changed." in messages
    assert any(f"#{closed_one.pk}" in m for m in messages)


def test_tickets_out_of_reach_are_not_changed_and_not_revealed(
    client: Client, desk: Desk, acme_ticket: Ticket
) -> None:
    # a customer is no agent; an agent cannot reach a ticket id that does not exist
    client.force_login(desk.acme_bob)
    refused = client.post(
        "/desk/tickets/bulk/", {"ids": [acme_ticket.pk], "operation": "assign_me"}
    )
    assert refused.status_code in (302, 403, 404)
    acme_ticket.refresh_from_db()
    assert acme_ticket.assignee is None
    client.force_login(desk.agent)
    response = client.post("/desk/tickets/bulk/", {"ids": [999999], "operation": "assign_me"})
    assert any("#999999: not found" in m for m in said(response))


def test_bad_bulk_requests_are_explained(client: Client, desk: Desk) -> None:
    client.force_login(desk.agent)
    none = client.post("/desk/tickets/bulk/", {"operation": "assign_me"})
    assert "Select the tickets to change first." in said(none)
    chosen = tickets(desk, 1)
    missing = client.post("/desk/tickets/bulk/", {"ids": [chosen[0].pk], "operation": "state"})
    assert "Choose what to set." in said(missing)
    many = client.post("/desk/tickets/bulk/", {"ids": list(range(1, 530)), "operation": "unassign"})
    assert "Change at most 500 tickets at once." in said(many)
    evil = client.post(
        "/desk/tickets/bulk/",
        {"ids": [chosen[0].pk], "operation": "unassign", "next": "https://evil.example/"},
    )
    assert evil["Location"] == "/desk/"
