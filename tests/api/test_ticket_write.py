"""Creating and changing tickets through the API; every change goes through the actions."""

from __future__ import annotations

import base64

from pytest_django.fixtures import Settings as SettingsWrapper

from loket.accounts.models import Tier
from loket.tickets import actions
from loket.tickets.models import (
    Channel,
    Event,
    EventKind,
    Message,
    MessageKind,
    Priority,
    State,
    Ticket,
)
from tests.api.conftest import ApiAs
from tests.conftest import Desk


def test_agent_creates_reads_and_patches_a_ticket(desk: Desk, api_as: ApiAs) -> None:
    # given an agent
    client = api_as(desk.agent)
    # when they open a ticket for Alice with tags and a priority
    created = client.post(
        "/tickets",
        {
            "subject": "Printer on fire",
            "body": "Alice called: the printer is on fire.",
            "customer": desk.acme_alice.pk,
            "priority": "urgent",
            "tags": ["Hardware", "fire"],
            "channel": "phone",
            "call_duration_seconds": 95,
        },
    )
    # then it is created for Alice's organisation
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["customer"]["id"] == desk.acme_alice.pk
    assert ticket["organisation"] == {"id": desk.acme.pk, "name": "Acme"}
    assert ticket["priority"] == "urgent"
    assert ticket["tags"] == ["fire", "hardware"]
    assert ticket["state"] == "new"
    assert ticket["channel"] == "phone"
    # when reading it back
    read = client.get(f"/tickets/{ticket['id']}").json()
    assert read == ticket
    # when patching subject, state, priority, assignee and tags at once
    patched = client.patch(
        f"/tickets/{ticket['id']}",
        {
            "subject": "Printer was on fire",
            "state": "waiting_third_party",
            "priority": "high",
            "assignee": desk.agent.pk,
            "tags": ["hardware"],
            "version": ticket["version"],
        },
    )
    # then every field changed, each with its own event
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["subject"] == "Printer was on fire"
    assert body["state"] == "waiting_third_party"
    assert body["priority"] == "high"
    assert body["assignee"] == {
        "id": desk.agent.pk,
        "name": "Anna de Vries",
        "initials": "AD",
    }
    assert body["tags"] == ["hardware"]
    kinds = set(Event.objects.filter(ticket_id=ticket["id"]).values_list("kind", flat=True))
    assert {"subject", "state", "priority", "assignee", "tags"} <= kinds
    # and the first message records the call's length
    messages = client.get(f"/tickets/{ticket['id']}/messages").json()
    assert messages[0]["call_duration_seconds"] == 95


def test_patch_changes_only_fields_present(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    # given an assigned, high-priority ticket
    actions.assign(acme_ticket, desk.agent, by=desk.agent)
    actions.set_priority(acme_ticket, Priority.HIGH, by=desk.agent)
    # when patching only the subject
    response = api_as(desk.agent).patch(f"/tickets/{acme_ticket.pk}", {"subject": "New"})
    # then assignee and priority stay
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == desk.agent.pk
    assert response.json()["priority"] == "high"
    # when patching assignee to null, then the ticket is unassigned
    response = api_as(desk.agent).patch(f"/tickets/{acme_ticket.pk}", {"assignee": None})
    assert response.json()["assignee"] is None


def test_patch_is_all_or_nothing(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    # given a new ticket
    # when one patch sets a valid subject and an impossible state (new -> closed)
    response = api_as(desk.agent).patch(
        f"/tickets/{acme_ticket.pk}", {"subject": "Changed", "state": "closed"}
    )
    # then it is refused with the reason, naming the field
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["field"] == "state"
    assert "New" in body["message"] and "Closed" in body["message"]
    # and the subject did not change either
    acme_ticket.refresh_from_db()
    assert acme_ticket.subject == "Banner does not show"


def test_closed_ticket_cannot_change_state(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    # given a closed ticket
    actions.reply(acme_ticket, body="Done.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    # when trying to reopen it
    response = api_as(desk.agent).patch(f"/tickets/{acme_ticket.pk}", {"state": "open"})
    # then the reason says what to do instead
    assert response.status_code == 409
    assert "follow-up" in response.json()["message"]


def test_stale_version_is_409(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    # given a ticket someone changed after we read it
    client = api_as(desk.agent)
    seen = client.get(f"/tickets/{acme_ticket.pk}").json()["version"]
    actions.set_priority(acme_ticket, Priority.URGENT, by=desk.tech)
    # when patching with the version we saw
    response = client.patch(f"/tickets/{acme_ticket.pk}", {"priority": "low", "version": seen})
    # then nothing is overwritten
    assert response.status_code == 409
    assert response.json()["field"] == "version"
    acme_ticket.refresh_from_db()
    assert acme_ticket.priority == 4


def test_null_for_a_required_field_is_422(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    response = api_as(desk.agent).patch(f"/tickets/{acme_ticket.pk}", {"state": None})
    assert response.status_code == 422
    assert response.json()["field"] == "state"


def test_agent_reply_and_note(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    # given a new ticket with Alice's message waiting
    client = api_as(desk.agent)
    # when an agent replies with an attachment and leaves a note
    data = base64.b64encode(b"\x89PNG\r\n\x1a\n....").decode()
    reply = client.post(
        f"/tickets/{acme_ticket.pk}/reply",
        {
            "body": "Fixed it.",
            "state": "resolved",
            "attachments": [{"filename": "shot.png", "content_base64": data}],
        },
    )
    note = client.post(f"/tickets/{acme_ticket.pk}/notes", {"body": "Cache was stale."})
    # then both are there with their authors, and the reply answered the waiting message
    assert reply.status_code == 201, reply.content
    assert note.status_code == 201, note.content
    sent = reply.json()
    assert sent["kind"] == "reply"
    assert sent["author"]["name"] == "Anna de Vries"
    attachment = sent["attachments"][0]
    assert attachment["filename"] == "shot.png"
    assert attachment["content_type"] == "image/png"
    assert attachment["url"] == f"/attachments/{attachment['id']}/"
    assert note.json()["kind"] == "note"
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.RESOLVED
    assert acme_ticket.awaiting_reply_since is None
    messages = client.get(f"/tickets/{acme_ticket.pk}/messages").json()
    assert [m["kind"] for m in messages] == ["customer", "reply", "note"]
    assert messages[0]["needs_reply"] is False


def test_customer_reply_adds_a_customer_message_and_reopens(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    # given a ticket waiting on the customer
    actions.reply(acme_ticket, body="Which page?", by=desk.agent, then_state=State.WAITING_CUSTOMER)
    # when Bob (same organisation) answers through the API
    response = api_as(desk.acme_bob).post(f"/tickets/{acme_ticket.pk}/reply", {"body": "Home."})
    # then it is a customer message that waits for a reply, and the ticket is open again
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "customer"
    assert response.json()["needs_reply"] is True
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.OPEN
    assert acme_ticket.awaiting_reply_since is not None


def test_customer_creates_a_ticket_for_themself_only(desk: Desk, api_as: ApiAs) -> None:
    # given Alice
    client = api_as(desk.acme_alice)
    # when she opens a ticket
    mine = client.post("/tickets", {"subject": "Help", "body": "Please"})
    # then it is hers, through the API channel, without internal details
    assert mine.status_code == 201, mine.content
    assert mine.json()["customer"]["id"] == desk.acme_alice.pk
    assert mine.json()["channel"] == "api"
    assert mine.json()["team"] is None
    # when she tries to open one for Carol, or to set agent-only fields
    for body, field in [
        ({"subject": "x", "body": "y", "customer": desk.globex_carol.pk}, "customer"),
        ({"subject": "x", "body": "y", "priority": "urgent"}, "priority"),
        ({"subject": "x", "body": "y", "team": desk.second_line.pk}, "team"),
    ]:
        response = client.post("/tickets", body)
        # then it is refused, naming the field
        assert response.status_code == 403, body
        assert response.json()["field"] == field
    assert Ticket.objects.count() == 1


def test_escalate_needs_a_reason_and_goes_up(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    client = api_as(desk.agent)
    # when escalating without a reason, then the field is named
    missing = client.post(f"/tickets/{acme_ticket.pk}/escalate", {"to_tier": 2})
    assert missing.status_code == 422
    assert missing.json()["field"] == "reason"
    blank = client.post(f"/tickets/{acme_ticket.pk}/escalate", {"to_tier": 2, "reason": "  "})
    assert blank.status_code == 422
    assert blank.json()["field"] == "reason"
    # when escalating with a reason
    done = client.post(
        f"/tickets/{acme_ticket.pk}/escalate", {"to_tier": 2, "reason": "Needs a developer"}
    )
    # then the ticket is in the second line and the reason is on the timeline
    assert done.status_code == 200, done.content
    assert done.json()["tier"] == Tier.SECOND_LINE
    assert done.json()["team"]["id"] == desk.second_line.pk
    events = api_as(desk.admin).get(f"/tickets/{acme_ticket.pk}/events").json()
    escalated = [e for e in events if e["kind"] == EventKind.ESCALATED]
    assert escalated[0]["reason"] == "Needs a developer"
    # when "escalating" downwards, then the action's reason comes back
    down = api_as(desk.admin).post(
        f"/tickets/{acme_ticket.pk}/escalate", {"to_tier": 1, "reason": "back"}
    )
    assert down.status_code == 409
    assert "higher tier" in down.json()["message"]


def test_moving_to_a_higher_team_by_patch_needs_a_reason(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    client = api_as(desk.agent)
    refused = client.patch(f"/tickets/{acme_ticket.pk}", {"team": desk.second_line.pk})
    assert refused.status_code == 409
    assert refused.json()["field"] == "team"
    done = client.patch(
        f"/tickets/{acme_ticket.pk}", {"team": desk.second_line.pk, "reason": "Bug in code"}
    )
    assert done.status_code == 200
    assert done.json()["tier"] == 2


def test_no_reply_needed_records_who_and_why(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    client = api_as(desk.agent)
    response = client.post(f"/tickets/{acme_ticket.pk}/no-reply-needed", {"reason": "Thanks only"})
    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    message = Message.objects.get(ticket=acme_ticket)
    assert message.no_reply_by == desk.agent
    assert message.no_reply_reason == "Thanks only"


def test_merge(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    # given a second ticket from Acme
    other = actions.create_ticket(
        subject="Banner again",
        body="Still gone",
        customer=desk.acme_bob,
        channel=Channel.WEB,
        by=None,
    )
    client = api_as(desk.agent)
    # when merging it into the first
    response = client.post(f"/tickets/{other.pk}/merge", {"into": acme_ticket.pk})
    # then the first holds both messages and the other is closed as merged
    assert response.status_code == 200, response.content
    assert response.json()["id"] == acme_ticket.pk
    assert Message.objects.filter(ticket=acme_ticket, kind=MessageKind.CUSTOMER).count() == 2
    assert client.get(f"/tickets/{other.pk}").json()["merged_into"] == acme_ticket.pk
    # when merging into itself, then the reason comes back
    again = client.post(f"/tickets/{acme_ticket.pk}/merge", {"into": acme_ticket.pk})
    assert again.status_code == 409


def test_oversized_attachment_is_413(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, settings: SettingsWrapper
) -> None:
    # given a 1 KB limit
    settings.MAX_ATTACHMENT_BYTES = 1024
    data = base64.b64encode(b"x" * 2048).decode()
    # when sending a 2 KB attachment
    response = api_as(desk.agent).post(
        f"/tickets/{acme_ticket.pk}/notes",
        {"body": "log", "attachments": [{"filename": "log.txt", "content_base64": data}]},
    )
    # then it is refused with a clear reason and nothing is stored
    assert response.status_code == 413
    assert response.json()["field"] == "attachments"
    assert "limit" in response.json()["message"]
    assert not Message.objects.filter(kind=MessageKind.NOTE).exists()
