"""The visitor API's files, read state, transcript and agent photo, over real requests:
a file is checked as a mail's attachment is; read marks go both ways (and reach the other
side as a ``read`` signal); a transcript goes only to the session's own address, a few times
an hour; a photo only of an agent of the channel's team."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from loket.chat import live
from loket.chat.models import ChatChannel, ChatSession
from loket.live.models import Signal
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, MessageKind
from tests.chat.test_api import ORIGIN, post, start
from tests.conftest import Desk
from tests.webhooks.conftest import run_queued

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


@pytest.fixture
def channel(desk: Desk) -> ChatChannel:
    return ChatChannel.objects.create(
        name="Shop", allowed_origins=ORIGIN, team=desk.first_line, greeting_en="Hello!",
        proactive_after=20, proactive_pages="/pricing*\n/plans", proactive_en="Questions?",
    )  # fmt: skip


def _session(client: Client, channel: ChatChannel) -> tuple[ChatSession, str, dict[str, str]]:
    answer = start(client, channel)
    session = ChatSession.objects.get(pk=answer["session"])
    url = f"/api/chat/{channel.key}/sessions/{session.pk}"
    return session, url, {"Origin": ORIGIN, "Authorization": f"Bearer {answer['token']}"}


def test_a_visitor_sends_a_file_and_downloads_the_agents_file(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    session, url, headers = _session(client, channel)
    upload = ContentFile(b"%PDF-1.4 my invoice", name="../../factuur<1>.pdf")
    sent = client.post(url + "/attachments", {"file": upload, "body": ""}, headers=headers)
    assert sent.status_code == 201, sent.content
    data = sent.json()
    assert data["kind"] == "visitor" and data["body"] == "(sent 1 file)"
    [item] = data["attachments"]
    assert item["filename"] == "factuur<1>.pdf"  # no path, kept as text
    assert item["content_type"] == "application/pdf"  # from the bytes
    stored = Attachment.objects.get(pk=item["id"])
    assert stored.message.kind == MessageKind.CUSTOMER and stored.message.ticket == session.ticket
    # an agent's reply with a file reaches the visitor, who downloads it with the token only
    reply = actions.reply(
        session.ticket, body="Here it is", by=desk.agent,
        attachments=[NewAttachment("label.png", PNG)],
    )  # fmt: skip
    got = client.get(url, headers=headers).json()
    [theirs] = next(m for m in got["messages"] if m["id"] == reply.pk)["attachments"]
    file_url = f"{url}/attachments/{theirs['id']}"
    response = client.get(file_url, headers=headers)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(file_url, headers={"Origin": ORIGIN}).status_code == 401
    # a file on an internal note, or of another conversation, is not theirs
    note = actions.add_note(
        session.ticket, body="internal", by=desk.agent, attachments=[NewAttachment("x.png", PNG)]
    )
    hidden = note.attachments.get()
    assert client.get(f"{url}/attachments/{hidden.pk}", headers=headers).status_code == 404


def test_a_file_over_the_mail_limit_is_refused_and_nothing_is_stored(
    client: Client, channel: ChatChannel, settings: Any
) -> None:
    _s, url, headers = _session(client, channel)
    settings.MAX_ATTACHMENT_BYTES = 1000
    big = ContentFile(b"x" * 1001, name="big.bin")
    refused = client.post(url + "/attachments", {"file": big}, headers=headers)
    assert refused.status_code == 413, refused.content
    assert "limit" in refused.json()["message"]
    assert not Attachment.objects.exists()
    # and a body far over it is refused before it is read
    huge = ContentFile(b"x" * 200_000, name="huge.bin")
    assert client.post(url + "/attachments", {"file": huge}, headers=headers).status_code == 413


@override_settings(CHAT_FILE_RATE="2/h")
def test_files_are_rate_limited_per_conversation(client: Client, channel: ChatChannel) -> None:
    _s, url, headers = _session(client, channel)
    codes = [
        client.post(
            url + "/attachments", {"file": ContentFile(b"hi", name=f"{n}.txt")}, headers=headers
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]


def test_read_state_goes_both_ways_and_is_signalled(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    session, url, headers = _session(client, channel)
    first = session.ticket.messages.get()
    # when an agent has the ticket open
    agent = Client()
    agent.force_login(desk.agent)
    before = Signal.objects.count()
    assert agent.post(f"/desk/chat/tickets/{session.ticket_id}/read/").status_code == 204
    assert Signal.objects.filter(topic=f"read:{session.ticket_id}").count() == 1
    # then the visitor sees their message read
    assert client.get(url, headers=headers).json()["agent_read_upto"] == first.pk
    # and an agent who may not see the ticket cannot mark it
    outsider = Client()
    outsider.force_login(desk.tech)
    assert outsider.post(f"/desk/chat/tickets/{session.ticket_id}/read/").status_code == 404
    # when the widget showed the agent's reply
    reply = actions.reply(session.ticket, body="Hi!", by=desk.agent)
    page = agent.get(f"/desk/tickets/{session.ticket_id}/").content.decode()
    assert f'data-chat-read="{reply.pk}" hidden' in page
    assert post(client, url + "/read", {"upto": reply.pk}, **_auth(headers)).status_code == 204
    session.refresh_from_db()
    assert session.visitor_read_upto == reply.pk
    assert Signal.objects.count() == before + 2
    # then the agent sees it on the reply
    page = agent.get(f"/desk/tickets/{session.ticket_id}/").content.decode()
    assert f'data-chat-read="{reply.pk}">' in page and "Read by the visitor" in page
    # an id beyond the replies (or another ticket's) marks no more than what exists
    assert post(client, url + "/read", {"upto": 10**9}, **_auth(headers)).status_code == 204
    session.refresh_from_db()
    assert session.visitor_read_upto == reply.pk
    assert post(client, url + "/read", {"upto": -1}, **_auth(headers)).status_code == 422


def _auth(headers: dict[str, str]) -> dict[str, str]:
    return {"Authorization": headers["Authorization"]}


def test_the_transcript_goes_to_the_sessions_address_only_and_is_rate_limited(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    session, url, headers = _session(client, channel)
    actions.reply(session.ticket, body="We ship to <b>Belgium</b>.", by=desk.agent)
    actions.add_note(session.ticket, body="secret note", by=desk.agent)
    mail.outbox.clear()
    codes = [
        post(client, url + "/transcript", {"email": "evil@else.test"}, **_auth(headers)).status_code
        for _ in range(4)
    ]
    assert codes == [202, 202, 202, 429]
    run_queued("mail")  # (the reply's own mail goes too: the visitor was never on the chat)
    transcripts = [m for m in mail.outbox if m.subject.startswith("Your chat with")]
    assert len(transcripts) == 3
    sent = transcripts[0]
    assert sent.to == ["vera@visitor.test"]
    assert "Do you ship to Belgium?" in sent.body and "We ship to <b>Belgium</b>." in sent.body
    assert desk.agent.name in sent.body and "secret note" not in sent.body
    assert client.post(url + "/transcript", headers={"Origin": ORIGIN}).status_code == 401


def test_the_config_carries_the_proactive_rule(client: Client, channel: ChatChannel) -> None:
    got = client.get(f"/api/chat/{channel.key}/config?lang=en", headers={"Origin": ORIGIN}).json()
    assert got["proactive"] == {
        "after_seconds": 20, "pages": ["/pricing*", "/plans"], "text": "Questions?",
    }  # fmt: skip
    # without a Dutch text the Dutch greeting stands in; a rule at 0 s is off
    ChatChannel.objects.filter(pk=channel.pk).update(greeting_nl="Hallo!")
    got = client.get(f"/api/chat/{channel.key}/config?lang=nl", headers={"Origin": ORIGIN}).json()
    assert got["proactive"]["text"] == "Hallo!"
    ChatChannel.objects.filter(pk=channel.pk).update(proactive_after=0)
    got = client.get(f"/api/chat/{channel.key}/config?lang=en", headers={"Origin": ORIGIN}).json()
    assert got["proactive"] is None


def test_a_manager_sets_the_proactive_rule_on_the_channel_page(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    client.force_login(desk.manager)
    form = {
        "name": "Shop", "allowed_origins": ORIGIN, "team": desk.first_line.pk,
        "accent": "#123456", "text_on_accent": "#ffffff", "position": "right", "active": "on",
        "proactive_after": "30", "proactive_pages": "pricing", "proactive_en": "Need help?",
    }  # fmt: skip
    refused = client.post(f"/desk/chat/channels/{channel.pk}/", form)
    assert refused.status_code == 200 and "is not a path like" in refused.content.decode()
    form["proactive_pages"] = "/pricing* /pricing*\n/plans"
    assert client.post(f"/desk/chat/channels/{channel.pk}/", form).status_code == 302
    channel.refresh_from_db()
    assert channel.proactive_after == 30 and channel.proactive_patterns() == ["/pricing*", "/plans"]


def test_the_answering_agents_photo_is_served_for_the_widget(
    client: Client, channel: ChatChannel, desk: Desk
) -> None:
    session, url, headers = _session(client, channel)
    desk.agent.avatar.save("anna.png", ContentFile(PNG))
    actions.assign(session.ticket, desk.agent, by=desk.agent)
    got = client.get(url, headers=headers).json()
    assert got["agent"] == desk.agent.name
    photo = got["agent_photo"]
    assert photo.endswith(f"/api/chat/{channel.key}/photos/{desk.agent.pk}")
    response = client.get(photo.split("testserver", 1)[1])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    # not of somebody outside the channel's team, nor a file that is no image
    desk.tech.avatar.save("b.png", ContentFile(PNG))
    other = f"/api/chat/{channel.key}/photos/{desk.tech.pk}"
    assert client.get(other).status_code == 404
    desk.agent.avatar.save("evil.png", ContentFile(b"<svg onload=alert(1)>"))
    assert client.get(photo.split("testserver", 1)[1]).status_code == 404
    assert json.loads(client.get(url, headers=headers).content)["agent"] == desk.agent.name


def test_open_streams_mark_their_visitors_seen_in_one_write(
    client: Client, channel: ChatChannel, django_assert_max_num_queries: Any
) -> None:
    sessions = [_session(client, channel)[0] for _ in range(3)]
    long_ago = timezone.now() - timedelta(hours=1)
    ChatSession.objects.update(last_seen_at=long_ago)
    ChatSession.objects.filter(pk=sessions[2].pk).update(expires_at=long_ago)
    live._flushed = time.monotonic()  # as if just written
    # each open stream's minute check reads, and writes nothing yet
    with django_assert_max_num_queries(2):
        assert live.still_valid(sessions[0].pk) == live.VisitorAudience(sessions[0].ticket_id)
        assert live.still_valid(sessions[1].pk) is not None
    assert live.still_valid(sessions[2].pk) is None  # expired: the stream is told so
    assert set(ChatSession.objects.values_list("last_seen_at", flat=True)) == {long_ago}
    # then one UPDATE marks both, with the older of the two times
    assert live.flush_seen(force=True) == 2
    seen = dict(ChatSession.objects.values_list("pk", "last_seen_at"))
    assert seen[sessions[0].pk] == seen[sessions[1].pk] > long_ago
    assert seen[sessions[2].pk] == long_ago
    assert live.flush_seen(force=True) == 0
