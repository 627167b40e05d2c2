"""The access matrix through the API: what each person may see and do, by id."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel, Ticket
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _ticket_paths(pk: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("get", f"/tickets/{pk}", None),
        ("patch", f"/tickets/{pk}", {"priority": "low"}),
        ("post", f"/tickets/{pk}/reply", {"body": "hi"}),
        ("post", f"/tickets/{pk}/notes", {"body": "hi"}),
        ("post", f"/tickets/{pk}/escalate", {"to_tier": 2, "reason": "why"}),
        ("post", f"/tickets/{pk}/no-reply-needed", {"reason": "why"}),
        ("post", f"/tickets/{pk}/merge", {"into": pk}),
        ("get", f"/tickets/{pk}/messages", None),
        ("get", f"/tickets/{pk}/events", None),
    ]


def _call(client: ApiClient, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body)


@pytest.mark.parametrize("who", ["globex_carol", "loner", "tech"])
def test_another_organisations_ticket_is_404_on_every_route(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket, who: str
) -> None:
    # given Acme's first-line ticket, and a Globex customer, a loner or a second-line agent
    client = api_as(getattr(desk, who))
    for method, path, body in _ticket_paths(acme_ticket.pk):
        # when they reach it by id on any route
        response = _call(client, method, path, body)
        # then it does not exist for them
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["code"] == "not_found"
    # and nothing changed
    acme_ticket.refresh_from_db()
    assert acme_ticket.priority == 2
    assert acme_ticket.messages.count() == 1


def test_another_organisations_attachment_is_404(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    # given an attachment on Acme's ticket
    actions.add_customer_message(
        acme_ticket,
        body="screenshot",
        author=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
        attachments=[NewAttachment("shot.png", PNG)],
    )
    attachment = Attachment.objects.get()
    # when Carol of Globex asks for it by API id, then it is a 404
    response = api_as(desk.globex_carol).get(f"/attachments/{attachment.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # and the browser URL the API hands out is a 404 for her too
    browser = Client()
    browser.force_login(desk.globex_carol)
    assert browser.get(f"/attachments/{attachment.pk}/").status_code == 404
    # while Bob of Acme gets the file, served as never-active content
    mine = api_as(desk.acme_bob).get(f"/attachments/{attachment.pk}")
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content) == PNG
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in mine["Content-Security-Policy"]


def test_customers_never_see_internal_notes_or_events(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    # given an internal note with an attachment on Alice's ticket
    actions.add_note(
        acme_ticket,
        body="Customer is difficult; zebracode",
        by=desk.agent,
        attachments=[NewAttachment("secret.png", PNG)],
    )
    actions.set_tags(acme_ticket, ["difficult"], by=desk.agent)
    note_attachment = Attachment.objects.get()
    client = api_as(desk.acme_alice)
    # when Alice reads messages, events, the ticket, search and the note's attachment
    messages = client.get(f"/tickets/{acme_ticket.pk}/messages").json()
    events = client.get(f"/tickets/{acme_ticket.pk}/events")
    ticket = client.get(f"/tickets/{acme_ticket.pk}").json()
    found = client.get("/tickets", {"q": "zebracode"}).json()["items"]
    attachment = client.get(f"/attachments/{note_attachment.pk}")
    # then the note, the timeline, the tags and the attachment stay hidden
    assert [m["kind"] for m in messages] == ["customer"]
    assert events.status_code == 403
    assert events.json()["code"] == "forbidden"
    assert ticket["tags"] == [] and ticket["team"] is None
    assert found == []
    assert attachment.status_code == 404
    # while the agent sees all of it
    agent = api_as(desk.agent)
    assert [m["kind"] for m in agent.get(f"/tickets/{acme_ticket.pk}/messages").json()] == [
        "customer",
        "note",
    ]
    assert agent.get("/tickets", {"q": "zebracode"}).json()["items"][0]["id"] == acme_ticket.pk


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"priority": "low"}),
        ("post", "/notes", {"body": "hi"}),
        ("post", "/escalate", {"to_tier": 2, "reason": "why"}),
        ("post", "/no-reply-needed", {"reason": "why"}),
        ("post", "/merge", {"into": 1}),
        ("get", "/events", None),
    ],
)
def test_agent_only_routes_are_403_for_customers_on_their_own_ticket(
    desk: Desk,
    api_as: ApiAs,
    acme_ticket: Ticket,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    # given Alice's own ticket
    # when she calls an agent-only route on it
    response = _call(api_as(desk.acme_alice), method, f"/tickets/{acme_ticket.pk}{suffix}", body)
    # then it is forbidden (not hidden: she can see the ticket)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"


def test_customer_may_not_set_state_with_a_reply(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    response = api_as(desk.acme_alice).post(
        f"/tickets/{acme_ticket.pk}/reply", {"body": "Fixed myself", "state": "closed"}
    )
    assert response.status_code == 403
    assert response.json()["field"] == "state"
    assert acme_ticket.messages.count() == 1


def test_merge_into_a_ticket_out_of_sight_names_the_field(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    # given a ticket in the second line that the first-line agent cannot see
    hidden = actions.create_ticket(
        subject="Server", body="down", customer=desk.acme_alice, channel=Channel.WEB, by=None,
        team=desk.second_line,
    )  # fmt: skip
    # when the first-line agent merges into it
    response = api_as(desk.agent).post(f"/tickets/{acme_ticket.pk}/merge", {"into": hidden.pk})
    # then the reference is unknown and nothing moved
    assert response.status_code == 422
    assert response.json()["field"] == "into"
    assert Ticket.objects.get(pk=acme_ticket.pk).merged_into_id is None


def test_customers_see_themselves_and_their_colleagues_only(desk: Desk, api_as: ApiAs) -> None:
    alice = api_as(desk.acme_alice)
    listed = {c["id"] for c in alice.get("/customers").json()["items"]}
    assert listed == {desk.acme_alice.pk, desk.acme_bob.pk}
    assert alice.get(f"/customers/{desk.acme_bob.pk}").status_code == 200
    assert alice.get(f"/customers/{desk.globex_carol.pk}").status_code == 404
    assert alice.get(f"/customers/{desk.agent.pk}").status_code == 404
    assert alice.get(f"/customers/{desk.acme_bob.pk}").json()["phone"] is None
    loner = api_as(desk.loner)
    assert [c["id"] for c in loner.get("/customers").json()["items"]] == [desk.loner.pk]
    # and creating customers is for agents
    created = alice.post("/customers", {"email": "eve@acme.test"})
    assert created.status_code == 403


def test_organisations_are_visible_per_person(desk: Desk, api_as: ApiAs) -> None:
    alice = api_as(desk.acme_alice)
    assert [o["id"] for o in alice.get("/organisations").json()["items"]] == [desk.acme.pk]
    assert alice.get(f"/organisations/{desk.globex.pk}").status_code == 404
    own = alice.get(f"/organisations/{desk.acme.pk}").json()
    assert own["name"] == "Acme"
    assert own["tier"] is None and own["domains"] is None and own["notes"] is None
    assert api_as(desk.loner).get("/organisations").json()["items"] == []
    agent_view = api_as(desk.agent).get(f"/organisations/{desk.acme.pk}").json()
    assert agent_view["tier"] == "partner"
    assert agent_view["domains"] == ["acme.test"]


def test_agents_show_no_emails_to_customers(desk: Desk, api_as: ApiAs) -> None:
    seen_by_customer = api_as(desk.acme_alice).get("/agents").json()["items"]
    assert {a["name"] for a in seen_by_customer} >= {"Anna de Vries", "Sanne Jansen"}
    assert all(a["email"] is None and a["teams"] == [] for a in seen_by_customer)
    assert all("@" not in str(a) for a in seen_by_customer)
    one = api_as(desk.acme_alice).get(f"/agents/{desk.agent.pk}").json()
    assert one == {
        "id": desk.agent.pk,
        "name": "Anna de Vries",
        "initials": "AD",
        "role": "agent",
        "email": None,
        "teams": [],
    }
    seen_by_agent = api_as(desk.tech).get(f"/agents/{desk.agent.pk}").json()
    assert seen_by_agent["email"] == "agent@loket.test"
    assert seen_by_agent["teams"][0]["id"] == desk.first_line.pk
    # and customers are not agents
    assert api_as(desk.agent).get(f"/agents/{desk.acme_alice.pk}").status_code == 404


def test_base64_attachment_from_customer_reply(
    desk: Desk, api_as: ApiAs, acme_ticket: Ticket
) -> None:
    data = base64.b64encode(PNG).decode()
    response = api_as(desk.acme_alice).post(
        f"/tickets/{acme_ticket.pk}/reply",
        {"body": "see", "attachments": [{"filename": "../../etc/x.png", "content_base64": data}]},
    )
    assert response.status_code == 201
    assert response.json()["attachments"][0]["filename"] == "x.png"
