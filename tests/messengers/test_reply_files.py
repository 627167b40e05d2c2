"""Agent replies with files, to the fake Bot API and Cloud API on loopback: the text first,
then each file (Telegram ``sendPhoto`` for an image, ``sendDocument`` otherwise; WhatsApp a
media upload, then an image or document message), uploaded as ``multipart/form-data``. A
failure part-way is retried from the part that failed: nothing reaches the customer twice."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from loket.messengers.models import Delivery, DeliveryState, TelegramBot, WhatsAppNumber
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.messengers.conftest import APP_SECRET, PHONE_ID, WA_TOKEN
from tests.messengers.fakes import (
    Failure,
    MessengerApi,
    sign,
    telegram_update,
    wa_text,
    whatsapp_payload,
)
from tests.webhooks.conftest import run_queued

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(50)
PDF = b"%PDF-1.4\n% a receipt\n"


def _telegram_ticket(bot: TelegramBot) -> Ticket:
    update = json.dumps(telegram_update(1, text="Waar blijft mijn pakket?"))
    Client().post(
        f"/hooks/telegram/{bot.slug}/", update, content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret},
    )  # fmt: skip
    return Ticket.objects.get()


def _whatsapp_ticket(number: WhatsAppNumber) -> Ticket:
    body = json.dumps(whatsapp_payload(PHONE_ID, wa_text("wamid.IN1", "Hallo"))).encode()
    Client().post(
        f"/hooks/whatsapp/{number.slug}/", body, content_type="application/json",
        headers={"X-Hub-Signature-256": sign(APP_SECRET, body)},
    )  # fmt: skip
    return Ticket.objects.get()


def _files() -> list[NewAttachment]:
    return [NewAttachment("foto.png", PNG), NewAttachment("bon.pdf", PDF)]


def test_telegram_gets_the_text_then_a_photo_and_a_document(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _telegram_ticket(bot)
    reply = actions.reply(ticket, body="Zie de bijlagen.", by=desk.agent, attachments=_files())
    assert run_queued("notify") == ["sent"]
    text, photo, document = api.sent
    assert text["text"] == f"{desk.agent.name}:\nZie de bijlagen."
    assert photo["method"] == "sendPhoto" and photo["chat_id"] == "555001"
    assert document["method"] == "sendDocument" and document["document"] == "bon.pdf"
    uploads = {u.field: u for u in api.uploads}
    assert uploads["photo"].data == PNG and uploads["photo"].content_type == "image/png"
    assert uploads["document"].data == PDF and uploads["document"].filename == "bon.pdf"
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.SENT and delivery.parts_sent == 3


def test_telegram_a_failed_upload_is_retried_without_sending_the_text_again(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _telegram_ticket(bot)
    reply = actions.reply(ticket, body="Twee bestanden", by=desk.agent, attachments=_files())
    api.fail("sendDocument", Failure(status=502, description="Bad Gateway"))
    assert run_queued("notify") == [None]  # retried later
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.RETRYING and "Bad Gateway" in delivery.error
    assert delivery.parts_sent == 2
    assert run_queued("notify") == ["sent"]
    methods = [s.get("method", "sendMessage") for s in api.sent]
    assert methods == ["sendMessage", "sendPhoto", "sendDocument"]  # each exactly once


def test_telegram_a_refused_file_fails_and_shows_on_the_message(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    ticket = _telegram_ticket(bot)
    actions.reply(ticket, body="Foto", by=desk.agent, attachments=[NewAttachment("a.png", PNG)])
    api.fail("sendPhoto", Failure(status=400, description="Bad Request: PHOTO_INVALID_DIMENSIONS"))
    assert run_queued("notify") == ["failed"]
    client = Client()
    client.force_login(desk.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-delivery="failed"' in page and "PHOTO_INVALID_DIMENSIONS" in page


def test_whatsapp_uploads_each_file_then_sends_it_by_media_id(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    ticket = _whatsapp_ticket(number)
    reply = actions.reply(ticket, body="Alstublieft", by=desk.agent, attachments=_files())
    assert run_queued("notify") == ["sent"]
    text, image, document = api.sent
    assert text["type"] == "text" and text["text"]["body"].endswith("Alstublieft")
    uploaded = api.state.media_uploaded
    assert image["type"] == "image" and uploaded[image["image"]["id"]].data == PNG
    assert document["type"] == "document" and document["document"]["filename"] == "bon.pdf"
    assert uploaded[document["document"]["id"]].data == PDF
    assert uploaded[document["document"]["id"]].content_type == "application/pdf"
    for call in api.calls("upload"):
        assert call.headers["authorization"] == f"Bearer {WA_TOKEN}"
        assert call.body["messaging_product"] == "whatsapp"
    delivery = Delivery.objects.get(message=reply)
    # the delivery keeps the text's id: the statuses Meta reports refer to it
    assert delivery.state == DeliveryState.SENT and delivery.external_id == "wamid.OUT1000"


def test_whatsapp_a_rate_limited_upload_waits_and_goes_on_with_the_files_only(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    ticket = _whatsapp_ticket(number)
    reply = actions.reply(ticket, body="Bijlage", by=desk.agent, attachments=_files()[1:])
    api.fail("upload", Failure(status=429, description="Rate limit hit", retry_after=30))
    assert run_queued("notify") == [None]
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.RETRYING and delivery.parts_sent == 1
    assert run_queued("notify") == ["sent"]
    assert [s["type"] for s in api.sent] == ["text", "document"]
