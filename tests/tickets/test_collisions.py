"""A reply written while someone else answered is held back until the agent has seen the
new messages ("send anyway"); the page's live fragment warns even before sending."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from loket.accounts.models import User
from loket.tickets import actions, collisions
from loket.tickets.models import Channel, Message, MessageKind, Ticket
from tests.conftest import Desk


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client: Client, ticket: Ticket, body: str, seen: int | None, **extra: str) -> object:
    data = {"body": body, "then_state": "waiting_customer", **extra}
    if seen is not None:
        data["seen_event"] = str(seen)
    return client.post(reverse("desk:reply", args=[ticket.pk]), data)


def _replies(ticket: Ticket) -> list[str]:
    return list(ticket.messages.filter(kind=MessageKind.REPLY).values_list("body", flat=True))


def test_the_ticket_page_says_which_event_it_showed(desk: Desk, acme_ticket: Ticket) -> None:
    page = _client(desk.agent).get(reverse("desk:ticket", args=[acme_ticket.pk]))
    latest = collisions.latest_event_id(acme_ticket)
    assert f'name="seen_event" value="{latest}"' in page.content.decode()


def test_a_reply_after_a_colleagues_answer_is_held_back_until_confirmed(
    desk: Desk, acme_ticket: Ticket
) -> None:
    colleague = User.objects.create_user("bram@loket.test", None, role="agent", display_name="Bram")
    desk.first_line.members.add(colleague)
    # given Anna opened the ticket, then Bram answered it
    seen = collisions.latest_event_id(acme_ticket)
    actions.reply(acme_ticket, body="Fixed it, the cache was stale.", by=colleague)
    # when Anna sends her reply
    anna = _client(desk.agent)
    response = _send(anna, acme_ticket, "Looking into it.", seen)
    # then nothing is sent; she sees why, Bram's reply marked, and her own text kept
    page = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Your reply has not been sent" in page
    assert 'id="collision"' in page and "a reply by Bram" in page
    assert 'class="card msg reply fresh"' in page
    assert "Looking into it." in page
    assert _replies(acme_ticket) == ["Fixed it, the cache was stale."]
    # when she sends anyway
    response = _send(anna, acme_ticket, "Looking into it.", seen, send_anyway="1")
    # then it goes out
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert _replies(acme_ticket)[-1] == "Looking into it."


def test_a_new_customer_message_also_holds_a_reply_back(desk: Desk, acme_ticket: Ticket) -> None:
    seen = collisions.latest_event_id(acme_ticket)
    actions.add_customer_message(
        acme_ticket, body="Never mind, it works now!", author=desk.acme_alice,
        channel=Channel.WEB, by=desk.acme_alice,
    )  # fmt: skip
    response = _send(_client(desk.agent), acme_ticket, "Please clear your cache.", seen)
    assert "a message from the customer" in response.content.decode()  # type: ignore[attr-defined]
    assert _replies(acme_ticket) == []


def test_own_replies_notes_and_changes_do_not_hold_a_reply_back(
    desk: Desk, acme_ticket: Ticket
) -> None:
    seen = collisions.latest_event_id(acme_ticket)
    actions.reply(acme_ticket, body="First answer.", by=desk.agent)
    actions.add_note(acme_ticket, body="Internal remark", by=desk.manager)
    actions.set_tags(acme_ticket, ["banner"], by=desk.manager)
    response = _send(_client(desk.agent), acme_ticket, "And a second one.", seen)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert _replies(acme_ticket) == ["First answer.", "And a second one."]


def test_a_form_without_a_seen_event_is_sent_as_before(desk: Desk, acme_ticket: Ticket) -> None:
    actions.reply(acme_ticket, body="Someone else's answer.", by=desk.manager)
    response = _send(_client(desk.agent), acme_ticket, "Mine.", None)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert Message.objects.filter(ticket=acme_ticket, body="Mine.").exists()


def test_the_live_timeline_warns_before_sending(desk: Desk, acme_ticket: Ticket) -> None:
    seen = collisions.latest_event_id(acme_ticket)
    url = reverse("desk:ticket_live", args=[acme_ticket.pk])
    anna = _client(desk.agent)
    assert 'id="live-collision"' not in anna.get(url, {"seen": seen}).content.decode()
    actions.reply(acme_ticket, body="Done.", by=desk.manager)
    fragment = anna.get(url, {"seen": seen}).content.decode()
    assert 'id="live-collision"' in fragment and "a reply by Pieter Visser" in fragment
    assert "Done." in fragment
