"""The visitor API (``/api/chat/...``): every conversation a ticket with channel chat, and
the refusals: unknown channel, foreign origin, bad or expired token, oversized or malformed
JSON, HTML kept as text, rate limits."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from loket.chat.identity import sign
from loket.chat.models import ChatChannel, ChatSession
from loket.rota.presence import set_status
from loket.tickets import actions
from loket.tickets.models import Channel, Message, MessageKind
from tests.conftest import Desk

ORIGIN = "https://shop.example"


@pytest.fixture
def channel(desk: Desk) -> ChatChannel:
    return ChatChannel.objects.create(
        name="Shop", allowed_origins=f"{ORIGIN}\nhttps://www.shop.example",
        team=desk.first_line, greeting_en="Hello!", greeting_nl="Hallo!",
        greeting_ru="Здравствуйте!",
    )  # fmt: skip


def post(client: Client, path: str, body: Any, origin: str = ORIGIN, **headers: str) -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(
        path, data, content_type="application/json", headers={"Origin": origin, **headers}
    )


def start(client: Client, channel: ChatChannel, **extra: Any) -> dict[str, Any]:
    body = {"name": "Vera", "email": "vera@visitor.test", "message": "Do you ship to Belgium?"}
    response = post(client, f"/api/chat/{channel.key}/sessions", {**body, **extra})
    assert response.status_code == 201, response.content
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    return dict(response.json())


def test_a_conversation_is_a_chat_ticket_and_the_agents_reply_reaches_the_visitor(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    # given a visitor who starts a chat and writes again
    answer = start(client, channel)
    session = ChatSession.objects.get(pk=answer["session"])
    assert answer["token"].startswith("lkc_") and session.token_hash != answer["token"]
    ticket = session.ticket
    assert ticket.channel == Channel.CHAT and ticket.team == desk.first_line
    assert ticket.customer is not None and ticket.customer.email == "vera@visitor.test"
    auth = {"Authorization": f"Bearer {answer['token']}"}
    url = f"/api/chat/{channel.key}/sessions/{session.pk}"
    sent = post(client, url + "/messages", {"body": "And to Germany?"}, **auth)
    assert sent.status_code == 201 and sent.json()["kind"] == "visitor"
    assert ticket.messages.filter(kind=MessageKind.CUSTOMER).count() == 2
    # when an agent replies on the ticket (and writes an internal note)
    actions.reply(ticket, body="Yes, to both.", by=desk.agent)
    actions.add_note(ticket, body="VIP?", by=desk.agent)
    # then the visitor reads the reply with the agent's name, never the note
    got = client.get(url, headers={"Origin": ORIGIN, **auth}).json()
    bodies = [(m["kind"], m["body"]) for m in got["messages"]]
    assert bodies == [
        ("visitor", "Do you ship to Belgium?"),
        ("visitor", "And to Germany?"),
        ("agent", "Yes, to both."),
    ]
    assert got["agent"] == desk.agent.name and got["state"] == "open"
    after = got["messages"][1]["id"]
    again = client.get(url + f"?after={after}", headers={"Origin": ORIGIN, **auth}).json()
    assert [m["body"] for m in again["messages"]] == ["Yes, to both."]


def test_unknown_channel_and_foreign_origin_are_refused(
    client: Client, channel: ChatChannel
) -> None:
    body = {"name": "X", "email": "x@x.test", "message": "hi"}
    unknown = post(client, "/api/chat/nope/sessions", body)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_channel"
    foreign = post(client, f"/api/chat/{channel.key}/sessions", body, origin="https://evil.test")
    assert foreign.status_code == 403 and foreign.json()["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in foreign
    missing = client.post(
        f"/api/chat/{channel.key}/sessions", json.dumps(body), content_type="application/json"
    )
    assert missing.status_code == 403
    # a preflight names the allowed origin, and refuses any other
    ok = client.options(
        f"/api/chat/{channel.key}/sessions",
        headers={"Origin": "https://www.shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == "https://www.shop.example"
    assert "Authorization" in ok["Access-Control-Allow-Headers"]
    bad = client.options(
        f"/api/chat/{channel.key}/sessions", headers={"Origin": "https://evil.test"}
    )
    assert bad.status_code == 403 and "Access-Control-Allow-Origin" not in bad
    assert not ChatSession.objects.exists()


def test_bad_expired_and_other_sessions_tokens_get_401(
    client: Client, channel: ChatChannel
) -> None:
    first = start(client, channel)
    second = start(client, channel, email="other@visitor.test")
    url = f"/api/chat/{channel.key}/sessions/{first['session']}/messages"
    for token in ["lkc_wrong", second["token"], "", "lk_notachattoken"]:
        response = post(client, url, {"body": "hi"}, Authorization=f"Bearer {token}")
        assert response.status_code == 401, token
    ChatSession.objects.filter(pk=first["session"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = post(client, url, {"body": "hi"}, Authorization=f"Bearer {first['token']}")
    assert expired.status_code == 401 and expired.json()["code"] == "bad_token"
    assert Message.objects.filter(body="hi").count() == 0


def test_oversized_and_malformed_json_are_refused_with_nothing_stored(
    client: Client, channel: ChatChannel
) -> None:
    url = f"/api/chat/{channel.key}/sessions"
    big = {"name": "V", "email": "v@v.test", "message": "x" * 20_000}
    too_big = post(client, url, big)
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    assert post(client, url, "{not json").status_code == 400
    long = post(client, url, {"name": "V", "email": "v@v.test", "message": "x" * 5001})
    assert long.status_code == 422 and long.json()["field"] == "message"
    bad_mail = post(client, url, {"name": "V", "email": "no-address", "message": "hi"})
    assert bad_mail.status_code == 422 and bad_mail.json()["field"] == "email"
    assert not ChatSession.objects.exists()


def test_html_in_fields_is_kept_as_text(client: Client, channel: ChatChannel) -> None:
    hostile = '<img src=x onerror="alert(1)"><b>bold</b>'
    answer = start(client, channel, name="<script>x</script>", message=hostile)
    session = ChatSession.objects.get(pk=answer["session"])
    message = session.ticket.messages.get()
    assert message.body == hostile and message.body_html == ""
    got = client.get(
        f"/api/chat/{channel.key}/sessions/{session.pk}",
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {answer['token']}"},
    ).json()
    assert got["messages"][0]["body"] == hostile


@override_settings(CHAT_VISITOR_RATE="3/m", CHAT_SESSION_RATE="2/h")
def test_floods_get_a_clear_429(client: Client, channel: ChatChannel) -> None:
    answer = start(client, channel)
    start(client, channel, email="two@visitor.test")
    third = post(
        client,
        f"/api/chat/{channel.key}/sessions",
        {"name": "V", "email": "three@visitor.test", "message": "hi"},
    )
    assert third.status_code == 429 and third.json()["code"] == "throttled"
    assert third["Retry-After"] == "60" and third["Access-Control-Allow-Origin"] == ORIGIN
    url = f"/api/chat/{channel.key}/sessions/{answer['session']}/messages"
    auth = {"Authorization": f"Bearer {answer['token']}"}
    codes = [post(client, url, {"body": f"m{n}"}, **auth).status_code for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_verified_identity_and_a_forged_one(client: Client, channel: ChatChannel) -> None:
    email = "known@visitor.test"
    good = start(client, channel, email=email, user_id=email, user_hash=sign(channel.secret, email))
    session = ChatSession.objects.get(pk=good["session"])
    assert session.verified and not session.ticket.sender_unconfirmed
    forged = post(
        client,
        f"/api/chat/{channel.key}/sessions",
        {"name": "M", "email": "boss@visitor.test", "message": "hi",
         "user_id": "boss@visitor.test", "user_hash": sign("guess", "boss@visitor.test")},
    )  # fmt: skip
    assert forged.status_code == 422
    plain = start(client, channel, email="anon@visitor.test")
    assert ChatSession.objects.get(pk=plain["session"]).ticket.sender_unconfirmed


def test_config_says_online_only_while_an_agent_of_the_team_is(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    url = f"/api/chat/{channel.key}/config?lang=nl"
    offline = client.get(url, headers={"Origin": ORIGIN}).json()
    assert offline["online"] is False and offline["greeting"] == "Hallo!"
    assert offline["texts"]["start"] == "Start de chat"
    set_status(desk.agent, "online")
    assert client.get(url, headers={"Origin": ORIGIN}).json()["online"] is True


def test_config_in_russian_has_the_russian_greeting_and_texts(
    client: Client, channel: ChatChannel
) -> None:
    # given a page in Russian (ru-RU), when the widget asks for its settings
    config = client.get(
        f"/api/chat/{channel.key}/config?lang=ru-RU", headers={"Origin": ORIGIN}
    ).json()
    # then greeting and texts are Russian; a language the desk lacks gets English
    assert config["language"] == "ru" and config["greeting"] == "Здравствуйте!"
    assert config["texts"]["start"] == "Начать чат"
    other = client.get(f"/api/chat/{channel.key}/config?lang=de", headers={"Origin": ORIGIN})
    assert other.json()["greeting"] == "Hello!"


def test_openapi_documents_the_visitor_api(client: Client, db: None) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/chat/{channel_key}/sessions"]
    assert "post" in paths["/api/chat/{channel_key}/sessions/{session_id}/messages"]
    assert "get" in paths["/api/chat/{channel_key}/sessions/{session_id}/events"]


@override_settings(CHAT_CHANNEL_RATE="16/m", CHAT_IP_RATE="1000/m")
def test_a_channel_flood_is_refused_with_the_count_spread_over_rows(
    client: Client, channel: ChatChannel
) -> None:
    # the channel's calls are counted on eight rows, each allowing its share (here 2): never
    # more than the rate gets through, and the first calls always do
    answers = [
        client.get(f"/api/chat/{channel.key}/config", headers={"Origin": ORIGIN}).status_code
        for _ in range(40)
    ]
    assert answers[:2] == [200, 200]
    assert answers.count(200) <= 16 and 429 in answers
    assert set(answers) == {200, 429}
