"""The desk side of chat: managers set up channels and copy the snippet; agents see their
open conversations with unread counts; the widget's file; and offline mode (the answer goes
out by mail)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from loket.chat import actions as chat_actions
from loket.chat.models import ChatChannel
from loket.tickets import actions
from loket.tickets.models import Channel
from loket.tickets.tasks import notify_customer_of_reply
from tests.conftest import Desk


@pytest.fixture
def channel(desk: Desk) -> ChatChannel:
    return ChatChannel.objects.create(
        name="Shop", allowed_origins="https://shop.example", team=desk.first_line
    )


def test_a_manager_creates_a_channel_and_sees_the_snippet(client: Client, desk: Desk) -> None:
    client.force_login(desk.manager)
    # when the manager fills in the form (origins with a path or another scheme are refused)
    form = {
        "name": "Webshop", "allowed_origins": "ftp://shop.example", "team": desk.first_line.pk,
        "greeting_en": "Hi", "greeting_nl": "Hoi", "accent": "#123456",
        "text_on_accent": "#ffffff", "position": "left", "active": "on",
    }  # fmt: skip
    refused = client.post("/desk/chat/channels/new/", form)
    assert refused.status_code == 200 and not ChatChannel.objects.exists()
    form["allowed_origins"] = "https://Shop.example/\nhttps://www.shop.example"
    saved = client.post("/desk/chat/channels/new/", form)
    channel = ChatChannel.objects.get()
    assert saved.status_code == 302
    assert channel.origins() == ["https://shop.example", "https://www.shop.example"]
    # then the channel's page shows the snippet with its key, and the list shows it
    page = client.get(saved["Location"]).content.decode()
    assert f'data-channel="{channel.key}"' in page and "/chat/widget.js" in page
    assert "Webshop" in client.get("/desk/chat/channels/").content.decode()


def test_agents_cannot_set_up_channels(client: Client, desk: Desk, channel: ChatChannel) -> None:
    client.force_login(desk.agent)
    assert client.get("/desk/chat/channels/").status_code == 404
    assert client.post(f"/desk/chat/channels/{channel.pk}/", {"name": "x"}).status_code == 404


def _visitor(channel: ChatChannel, email: str, body: str) -> Any:
    session, _token = chat_actions.start_session(
        channel, name="Vera <b>V</b>", email=email, body=body, language="en"
    )
    return session


def test_the_chat_view_lists_open_conversations_with_unread_counts(
    client: Client, desk: Desk, channel: ChatChannel
) -> None:
    # given two conversations, one answered, and one e-mail ticket
    first = _visitor(channel, "vera@visitor.test", "Where is my order?")
    chat_actions.visitor_message(first, "Order 12")
    second = _visitor(channel, "wim@visitor.test", "Do you ship abroad?")
    actions.reply(second.ticket, body="Yes.", by=desk.agent)
    actions.create_ticket(
        subject="Invoice question by mail",
        body="x",
        customer=desk.acme_alice,
        channel=Channel.EMAIL,
        by=None,
    )
    client.force_login(desk.agent)
    # when the agent opens the chat view
    page = client.get("/desk/chat/").content.decode()
    # then both chats are listed (names as text), the unanswered one with 2 unread
    assert "Vera &lt;b&gt;V&lt;/b&gt;" in page and "<b>V</b>" not in page
    assert "2 unread" in page and "Invoice question" not in page
    rows = client.get("/desk/chat/rows/").content.decode()
    assert rows.count("<tr data-ticket=") == 2
    # and the customer of the other team's desk does not see them
    client.force_login(desk.acme_alice)
    assert client.get("/desk/chat/rows/").status_code == 302


def test_widget_js_is_served_for_any_site(client: Client) -> None:
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"attachShadow" in response.content and b"adoptedStyleSheets" in response.content


def test_offline_the_message_is_a_ticket_and_the_answer_goes_by_mail(
    desk: Desk, channel: ChatChannel, mta: Any
) -> None:
    # given nobody of the team online, a visitor leaves a message
    from loket.chat.availability import is_online

    assert not is_online(channel)
    session = _visitor(channel, "late@visitor.test", "Call me back tomorrow please")
    # when an agent answers it later from the ticket
    reply = actions.reply(session.ticket, body="We will call at ten.", by=desk.agent)
    notify_customer_of_reply.call(reply.pk)
    # then the answer went to the visitor by mail
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["late@visitor.test"]
    assert "We will call at ten." in mail.get_body(("plain",)).get_content()


def test_a_reply_the_visitor_read_in_the_chat_is_not_mailed_too(
    desk: Desk, channel: ChatChannel, mta: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from loket.chat.models import ChatSession

    # given a visitor chatting
    session = _visitor(channel, "here@visitor.test", "Is the shop open on Sunday?")
    ChatSession.objects.filter(pk=session.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    # when an agent answers, the mail waits a little (the visitor may read it live)
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.reply(session.ticket, body="Yes, from noon.", by=desk.agent)
    queued = DBTaskResult.objects.get(task_path__endswith="notify_customer_of_reply")
    assert queued.run_after > timezone.now() + timedelta(seconds=60)
    # and the widget fetches the conversation (the visitor is still on the page)
    session = ChatSession.objects.get(pk=session.pk)
    chat_actions.seen(session)
    # then, when the delayed task runs, no mail goes out
    notify_customer_of_reply.call(reply.pk)
    assert mta.mails == []
