"""The chat view's pane and sound on the server side: the access check, the reply that is
held back when the visitor wrote meanwhile, the sound choice kept per agent, the committed
sound file, and the page in Dutch."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from loket.chat import actions as chat_actions
from loket.chat.chime import chime_wav
from loket.chat.models import ChatChannel, ChatSession
from loket.tickets.models import Message, MessageKind
from tests.conftest import Desk

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def chat(desk: Desk) -> ChatSession:
    channel = ChatChannel.objects.create(
        name="Shop", allowed_origins="https://shop.example", team=desk.first_line
    )
    session, _token = chat_actions.start_session(
        channel, name="Vera <b>V</b>", email="vera@visitor.test", body="Hello?", language="en"
    )
    return session


def _as(person: object) -> Client:
    client = Client()
    client.force_login(person)  # type: ignore[arg-type]
    return client


def test_the_pane_shows_the_chat_and_sends_a_reply(desk: Desk, chat: ChatSession) -> None:
    client = _as(desk.agent)
    page = client.get(f"/desk/chat/?open={chat.ticket_id}").content.decode()
    assert f'id="chat-pane" class="chat-pane" data-ticket="{chat.ticket_id}"' in page
    assert "Vera &lt;b&gt;V&lt;/b&gt;" in page and "Hello?" in page
    pane = client.get(f"/desk/chat/tickets/{chat.ticket_id}/pane/").content.decode()
    seen = pane.split('name="seen_event" value="')[1].split('"')[0]
    sent = client.post(
        f"/desk/chat/tickets/{chat.ticket_id}/pane/reply/",
        {"body": "Hi Vera", "seen_event": seen},
        **FETCH,
    )
    assert sent.status_code == 200 and "Hi Vera" in sent.content.decode()
    reply = Message.objects.get(ticket=chat.ticket_id, kind=MessageKind.REPLY)
    assert reply.author == desk.agent and reply.body == "Hi Vera"


def test_a_reply_written_before_the_visitors_newest_message_is_held(
    desk: Desk, chat: ChatSession
) -> None:
    client = _as(desk.agent)
    pane = client.get(f"/desk/chat/tickets/{chat.ticket_id}/pane/").content.decode()
    seen = pane.split('name="seen_event" value="')[1].split('"')[0]
    chat_actions.visitor_message(chat, "Never mind, found it")
    held = client.post(
        f"/desk/chat/tickets/{chat.ticket_id}/pane/reply/",
        {"body": "Hi Vera", "seen_event": seen},
        **FETCH,
    )
    text = held.content.decode()
    assert held.status_code == 409 and "has not been sent" in text
    assert "Never mind, found it" in text and ">Hi Vera</textarea>" in text
    assert not Message.objects.filter(ticket=chat.ticket_id, kind=MessageKind.REPLY).exists()


def test_the_pane_is_behind_the_access_check(desk: Desk, chat: ChatSession) -> None:
    # second line does not see first-line chats; customers get no desk at all
    tech = _as(desk.tech)
    assert tech.get(f"/desk/chat/tickets/{chat.ticket_id}/pane/").status_code == 404
    assert tech.get(f"/desk/chat/?open={chat.ticket_id}").status_code == 404
    refused = tech.post(
        f"/desk/chat/tickets/{chat.ticket_id}/pane/reply/", {"body": "x", "seen_event": "0"}
    )
    assert refused.status_code == 404
    customer = _as(desk.acme_alice)
    assert customer.get(f"/desk/chat/tickets/{chat.ticket_id}/pane/").status_code in (302, 403)
    assert customer.post("/desk/chat/sound/", {"on": "1"}).status_code in (302, 403)
    assert not Message.objects.filter(ticket=chat.ticket_id, kind=MessageKind.REPLY).exists()


def test_the_sound_is_off_until_the_agent_switches_it_on_for_themselves(desk: Desk) -> None:
    anna, bram = _as(desk.agent), _as(desk.manager)
    assert 'id="chat-sound"' in anna.get("/desk/chat/").content.decode()
    assert (
        " checked" not in anna.get("/desk/chat/").content.decode().split('id="chat-sound"')[1][:300]
    )
    assert anna.post("/desk/chat/sound/", {"on": "1"}).status_code == 204
    assert chat_actions.sound_on(desk.agent) and not chat_actions.sound_on(desk.manager)
    box = anna.get("/desk/chat/").content.decode().split('id="chat-sound"')[1][:300]
    assert " checked" in box
    assert (
        " checked" not in bram.get("/desk/chat/").content.decode().split('id="chat-sound"')[1][:300]
    )
    anna.post("/desk/chat/sound/", {"on": "0"})
    assert not chat_actions.sound_on(desk.agent)


def test_the_committed_sound_is_the_generated_one() -> None:
    committed = Path(__file__).resolve().parents[2] / "loket/static/loket/sounds/chat.wav"
    data = committed.read_bytes()
    assert data == chime_wav()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) < 10_000


def test_the_chat_view_speaks_dutch(desk: Desk, chat: ChatSession) -> None:
    desk.agent.language = "nl"
    desk.agent.save(update_fields=["language"])
    page = _as(desk.agent).get(f"/desk/chat/?open={chat.ticket_id}").content.decode()
    assert "Geluid bij nieuwe chats en berichten" in page and "Je antwoord" in page
