"""Telegram intake and replies against the fake Bot API on loopback: the webhook's secret
header, exactly-once storage of redelivered updates, photos/documents/voice notes as
attachments, replies out with the agent's name, rate limits, failures shown in the desk."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.messengers.contacts import is_placeholder
from loket.messengers.models import Contact, Conversation, Delivery, DeliveryState, TelegramBot
from loket.tickets import actions
from loket.tickets.models import Attachment, Channel, Message, MessageKind, State, Ticket
from tests.conftest import Desk
from tests.messengers.conftest import BOT_TOKEN
from tests.messengers.fakes import Failure, MessengerApi, telegram_update
from tests.webhooks.conftest import run_queued

pytestmark = pytest.mark.django_db


def post_update(bot: TelegramBot, update: dict[str, Any], secret: str | None = "") -> Any:
    headers = {}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret or bot.webhook_secret
    return Client().post(
        f"/hooks/telegram/{bot.slug}/", json.dumps(update), content_type="application/json",
        headers=headers,
    )  # fmt: skip


def test_a_message_to_the_bot_becomes_a_ticket_with_a_contact(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    # when Telegram delivers a customer's first message with the right secret
    response = post_update(bot, telegram_update(1, text="Mijn bestelling is kapot"))
    # then it is a new Telegram ticket for the bot's team, from a contact of its own
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.TELEGRAM
    assert ticket.team == desk.first_line
    assert "Mijn bestelling is kapot" in ticket.subject
    message = ticket.messages.get()
    assert message.kind == MessageKind.CUSTOMER and message.needs_reply
    contact = Contact.objects.get()
    assert (contact.kind, contact.external_id, contact.handle) == ("telegram", "555001", "piet")
    assert ticket.customer == contact.customer and is_placeholder(contact.customer)
    assert ticket.awaiting_reply_since is not None  # the never-ignore counter sees it
    # and the next message in the same chat goes on the same ticket
    assert post_update(bot, telegram_update(2, text="Hallo?")).status_code == 200
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


@pytest.mark.parametrize("secret", [None, "wrong-secret", " "])
def test_a_webhook_call_without_the_right_secret_is_refused_and_nothing_stored(
    api: MessengerApi, bot: TelegramBot, secret: str | None
) -> None:
    response = post_update(bot, telegram_update(1), secret=secret)
    assert response.status_code == 401
    assert not Ticket.objects.exists() and not Contact.objects.exists()


def test_unknown_bots_bad_json_and_get_requests_are_refused(
    api: MessengerApi, bot: TelegramBot
) -> None:
    assert post_update(TelegramBot(slug="nope"), telegram_update(1), secret="x").status_code == 404
    bad = Client().post(
        f"/hooks/telegram/{bot.slug}/", b"[not json", content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret},
    )  # fmt: skip
    assert bad.status_code == 400
    assert Client().get(f"/hooks/telegram/{bot.slug}/").status_code == 405
    assert not Ticket.objects.exists()


def test_a_redelivered_update_is_stored_once(api: MessengerApi, bot: TelegramBot) -> None:
    update = telegram_update(42, text="Once only")
    for _ in range(3):
        assert post_update(bot, update).status_code == 200
    assert Message.objects.count() == 1


def test_groups_bots_and_empty_updates_are_ignored(api: MessengerApi, bot: TelegramBot) -> None:
    group = telegram_update(1)
    group["message"]["chat"] = {"id": -100, "type": "group"}
    other_bot = telegram_update(2)
    other_bot["message"]["from"]["is_bot"] = True
    for update in (group, other_bot, {"update_id": 3, "callback_query": {}}):
        assert post_update(bot, update).status_code == 200
    assert not Ticket.objects.exists()


def test_photos_documents_and_voice_notes_become_attachments(
    api: MessengerApi, bot: TelegramBot
) -> None:
    api.add_file("ph-small", "photos/s.jpg", b"\xff\xd8\xff small")
    api.add_file("ph-big", "photos/b.jpg", b"\xff\xd8\xff" + b"b" * 500)
    api.add_file("doc-1", "documents/invoice.pdf", b"%PDF-1.4 invoice")
    api.add_file("voice-1", "voice/v.oga", b"OggS voice")
    photo = [{"file_id": "ph-small", "file_size": 10, "width": 90, "height": 90},
             {"file_id": "ph-big", "file_size": 503, "width": 800, "height": 600}]  # fmt: skip
    post_update(bot, telegram_update(1, text=None, photo=photo, caption="Zie foto"))
    doc = {"file_id": "doc-1", "file_name": "../invoice.pdf", "file_size": 16}
    post_update(bot, telegram_update(2, text=None, document=doc))
    post_update(bot, telegram_update(3, text=None, voice={"file_id": "voice-1", "duration": 3}))
    messages = list(Message.objects.order_by("pk"))
    assert len(messages) == 3
    assert messages[0].body == "Zie foto"
    files = {a.filename: a for a in Attachment.objects.all()}
    assert len(files) == 3
    photo_file = next(a for a in files.values() if a.filename.startswith("photo"))
    assert photo_file.size == 503  # the largest size of the photo
    assert photo_file.file.read() == b"\xff\xd8\xff" + b"b" * 500
    assert "invoice.pdf" in files and "/" not in "".join(files)
    assert "voice.ogg" in files
    assert [c.method for c in api.calls("getFile")].count("getFile") == 3


def test_a_file_over_the_limit_is_left_out_with_a_note(
    api: MessengerApi, bot: TelegramBot, settings: Any
) -> None:
    settings.MAX_ATTACHMENT_BYTES = 100
    api.add_file("doc-big", "documents/big.bin", b"x" * 1000)
    doc = {"file_id": "doc-big", "file_name": "big.bin", "file_size": 1000}
    assert post_update(bot, telegram_update(1, text="Groot", document=doc)).status_code == 200
    message = Message.objects.get()
    assert "big.bin" in message.body and not Attachment.objects.exists()


def test_a_file_download_that_fails_for_now_is_delivered_again_and_then_stored_once(
    api: MessengerApi, bot: TelegramBot
) -> None:
    api.add_file("doc-1", "documents/a.pdf", b"%PDF-1.4 a")
    api.fail("getFile", Failure(status=502, description="Bad Gateway"))
    update = telegram_update(7, text="Bijlage", document={"file_id": "doc-1", "file_name": "a.pdf"})
    assert post_update(bot, update).status_code == 503  # Telegram will repeat it
    assert not Message.objects.exists()
    assert post_update(bot, update).status_code == 200
    assert post_update(bot, update).status_code == 200
    assert Message.objects.count() == 1 and Attachment.objects.count() == 1


def _ticket_from_telegram(bot: TelegramBot) -> Ticket:
    post_update(bot, telegram_update(1, text="Waar blijft mijn pakket?"))
    return Ticket.objects.get()


def test_an_agent_reply_goes_to_the_same_chat_with_the_agents_name(
    api: MessengerApi, bot: TelegramBot, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = _ticket_from_telegram(bot)
    reply = actions.reply(ticket, body="Het is onderweg.", by=desk.agent)
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.PENDING
    with caplog.at_level(logging.DEBUG):
        assert run_queued("notify") == ["sent"]
    assert BOT_TOKEN not in caplog.text  # the token is in the API's URLs: never logged
    assert run_queued("mail") == []  # no mail to the messenger contact
    [sent] = api.sent
    assert sent["chat_id"] == "555001"
    assert sent["text"] == f"{desk.agent.name}:\nHet is onderweg."
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.external_id
    assert run_queued("notify") == []  # never twice


def test_a_429_waits_as_long_as_telegram_asks_then_sends(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _ticket_from_telegram(bot)
    reply = actions.reply(ticket, body="Even geduld", by=desk.agent)
    api.fail("sendMessage", Failure(status=429, retry_after=17))
    before = timezone.now()
    assert run_queued("notify") == [None]  # retried later
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.RETRYING and "17" in delivery.error
    again = DBTaskResult.objects.get(status=TaskResultStatus.READY, queue_name="notify")
    assert again.run_after is not None
    assert before + timedelta(seconds=16) < again.run_after < timezone.now() + timedelta(seconds=18)
    assert run_queued("notify") == ["sent"]
    assert len(api.sent) == 1


def test_a_timeout_is_retried_and_shown_meanwhile(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _ticket_from_telegram(bot)
    reply = actions.reply(ticket, body="Hallo", by=desk.agent)
    api.fail("sendMessage", Failure(status=200, delay=7))  # longer than the 5 s deadline
    assert run_queued("notify") == [None]
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.RETRYING and "timeout" in delivery.error


def test_a_refusal_fails_at_once_shows_on_the_message_and_can_be_sent_again(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _ticket_from_telegram(bot)
    reply = actions.reply(ticket, body="Hallo", by=desk.agent)
    api.fail(
        "sendMessage", Failure(status=403, description="Forbidden: bot was blocked by the user")
    )
    assert run_queued("notify") == ["failed"]
    assert run_queued("notify") == []  # a 403 is not retried
    client = Client()
    client.force_login(desk.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-delivery="failed"' in page and "bot was blocked by the user" in page
    delivery = Delivery.objects.get(message=reply)
    assert f"/desk/messengers/deliveries/{delivery.pk}/retry/" in page
    response = client.post(f"/desk/messengers/deliveries/{delivery.pk}/retry/")
    assert response.status_code == 302
    assert run_queued("notify") == ["sent"]
    assert api.sent[0]["text"].endswith("Hallo")


def test_after_the_last_attempt_the_reply_is_marked_not_sent(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _ticket_from_telegram(bot)
    reply = actions.reply(ticket, body="Hallo", by=desk.agent)
    api.fail("sendMessage", Failure(status=500, times=10))
    for _ in range(6):
        run_queued("notify")
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 6
    # (the ticket's acknowledgement waits on the default queue: tests/messengers/test_acks.py)
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, queue_name="notify")
    assert not waiting.exists()


def test_a_customer_message_on_a_closed_ticket_opens_a_follow_up_in_the_same_chat(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _ticket_from_telegram(bot)
    actions.reply(ticket, body="Opgelost", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(ticket, State.CLOSED, by=desk.agent)
    run_queued("notify")
    api.state.sent.clear()
    post_update(bot, telegram_update(2, text="Nog een vraag"))
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert Conversation.objects.get().ticket == follow_up
    actions.reply(follow_up, body="Ja?", by=desk.agent)
    assert run_queued("notify") == ["sent"]


def test_a_messenger_ticket_without_a_chat_cannot_be_answered(desk: Desk) -> None:
    ticket = actions.create_ticket(
        subject="x", body="y", customer=desk.loner, channel=Channel.TELEGRAM, by=desk.agent
    )
    with pytest.raises(actions.ActionError):
        actions.reply(ticket, body="z", by=desk.agent)


def test_an_unlinked_messenger_contact_gets_no_survey_mail(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    from loket.csat.actions import skip_reason
    from loket.csat.models import SkipReason

    ticket = _ticket_from_telegram(bot)
    actions.reply(ticket, body="Opgelost", by=desk.agent, then_state=State.RESOLVED)
    ticket.refresh_from_db()
    assert skip_reason(ticket) == SkipReason.NO_CUSTOMER  # its address is under .invalid
