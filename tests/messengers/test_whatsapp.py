"""WhatsApp Business Cloud API against the fake Graph API on loopback: the verification
handshake, X-Hub-Signature-256 (bad or missing: 401, nothing stored), text and media in,
replies out, the 24-hour window (templates only outside it, said on the ticket page), delivery
statuses."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from loket.messengers.models import Contact, Conversation, Delivery, DeliveryState, WhatsAppNumber
from loket.tickets import actions
from loket.tickets.models import Attachment, Channel, Message, Ticket
from tests.conftest import Desk
from tests.messengers.conftest import APP_SECRET, PHONE_ID
from tests.messengers.fakes import Failure, MessengerApi, sign, wa_text, whatsapp_payload
from tests.webhooks.conftest import run_queued

pytestmark = pytest.mark.django_db


def post(number: WhatsAppNumber, payload: Any, signature: str | None = "") -> Any:
    body = json.dumps(payload).encode()
    headers = {}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature or sign(APP_SECRET, body)
    return Client().post(
        f"/hooks/whatsapp/{number.slug}/", body, content_type="application/json", headers=headers
    )


def test_the_verification_handshake_answers_the_challenge_only_to_the_right_token(
    number: WhatsAppNumber,
) -> None:
    url = f"/hooks/whatsapp/{number.slug}/"
    good = {"hub.mode": "subscribe", "hub.verify_token": number.verify_token,
            "hub.challenge": "1158201444"}  # fmt: skip
    response = Client().get(url, good)
    assert response.status_code == 200 and response.content == b"1158201444"
    assert Client().get(url, {**good, "hub.verify_token": "guess"}).status_code == 403
    assert Client().get(url, {**good, "hub.mode": "unsubscribe"}).status_code == 403
    assert Client().get("/hooks/whatsapp/nope/", good).status_code == 404


def test_a_signed_text_message_becomes_a_ticket(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    response = post(
        number, whatsapp_payload(PHONE_ID, wa_text("wamid.IN1", "Is mijn order al verzonden?"))
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.WHATSAPP and ticket.team == desk.first_line
    assert ticket.messages.get().body == "Is mijn order al verzonden?"
    contact = Contact.objects.get()
    assert (contact.kind, contact.external_id, contact.display_name, contact.handle) == (
        "whatsapp", "31612345678", "Klaas", "+31612345678",
    )  # fmt: skip


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "sha256=", "wrong"])
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(
    api: MessengerApi, number: WhatsAppNumber, signature: str | None
) -> None:
    response = post(number, whatsapp_payload(PHONE_ID, wa_text("wamid.X", "hoi")), signature)
    assert response.status_code == 401
    assert not Message.objects.exists() and not Contact.objects.exists()


def test_a_signature_over_another_body_is_refused(
    api: MessengerApi, number: WhatsAppNumber
) -> None:
    other = sign(APP_SECRET, b'{"object": "something else"}')
    assert (
        post(number, whatsapp_payload(PHONE_ID, wa_text("wamid.X", "hoi")), other).status_code
        == 401
    )
    assert not Message.objects.exists()


def test_a_redelivered_message_is_stored_once(api: MessengerApi, number: WhatsAppNumber) -> None:
    payload = whatsapp_payload(PHONE_ID, wa_text("wamid.SAME", "eens"))
    for _ in range(3):
        assert post(number, payload).status_code == 200
    assert Message.objects.count() == 1


def test_messages_for_another_number_are_ignored(api: MessengerApi, number: WhatsAppNumber) -> None:
    assert post(number, whatsapp_payload("999", wa_text("wamid.O", "hoi"))).status_code == 200
    assert not Message.objects.exists()


def test_media_is_fetched_through_the_graph_api(api: MessengerApi, number: WhatsAppNumber) -> None:
    api.add_media("MEDIA1", "image/jpeg", b"\xff\xd8\xff jpeg bytes")
    api.add_media("MEDIA2", "application/pdf", b"%PDF-1.7 doc")
    image = {"id": "wamid.IMG", "type": "image", "image": {"id": "MEDIA1", "caption": "Kapot"}}
    doc = {"id": "wamid.DOC", "type": "document",
           "document": {"id": "MEDIA2", "filename": "bon.pdf"}}  # fmt: skip
    assert post(number, whatsapp_payload(PHONE_ID, image, doc)).status_code == 200
    first, second = Message.objects.order_by("pk")
    assert second.body == "(sent 1 file)"
    assert first.body == "Kapot"
    files = {a.filename: a for a in Attachment.objects.all()}
    assert set(files) == {"image-MEDIA1.jpg", "bon.pdf"}
    assert files["bon.pdf"].file.read() == b"%PDF-1.7 doc"
    assert all(c.headers["authorization"] == f"Bearer {number.access_token}"
               for c in api.calls("download"))  # fmt: skip


def test_a_media_download_that_fails_for_now_asks_meta_to_send_again(
    api: MessengerApi, number: WhatsAppNumber
) -> None:
    api.add_media("MEDIA1", "image/jpeg", b"\xff\xd8\xff")
    api.fail("download", Failure(status=503))
    payload = whatsapp_payload(
        PHONE_ID, {"id": "wamid.I", "type": "image", "image": {"id": "MEDIA1"}}
    )
    assert post(number, payload).status_code == 503
    assert not Message.objects.exists()
    assert post(number, payload).status_code == 200
    assert Attachment.objects.count() == 1


def _whatsapp_ticket(number: WhatsAppNumber) -> Ticket:
    post(number, whatsapp_payload(PHONE_ID, wa_text("wamid.IN1", "Hallo")))
    return Ticket.objects.get()


def test_a_reply_inside_the_window_goes_out_as_text(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    ticket = _whatsapp_ticket(number)
    reply = actions.reply(ticket, body="Goedemiddag!", by=desk.agent)
    assert run_queued("notify") == ["sent"]
    [sent] = api.sent
    assert sent["to"] == "31612345678" and sent["type"] == "text"
    assert sent["text"]["body"] == f"{desk.agent.name}:\nGoedemiddag!"
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.SENT and delivery.external_id.startswith("wamid.OUT")
    # and the statuses Meta reports follow it, never backwards
    statuses = [
        {"id": delivery.external_id, "status": s, "timestamp": "1"} for s in ("read", "delivered")
    ]
    assert post(number, whatsapp_payload(PHONE_ID, statuses=statuses)).status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.READ


def test_outside_the_24_hour_window_only_templates_go_out(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    ticket = _whatsapp_ticket(number)
    client = Client()
    client.force_login(desk.agent)
    actions.assign(ticket, desk.agent, by=desk.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'id="whatsapp-window" data-open="1"' in page
    assert 'id="whatsapp-reply-closed"' not in page
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        # a free reply is refused, and the page says why and offers the templates
        with pytest.raises(actions.ActionError, match="24 hours"):
            actions.reply(ticket, body="Nog vragen?", by=desk.agent)
        response = client.post(
            f"/desk/tickets/{ticket.pk}/reply/", {"body": "Nog vragen?", "then_state": "open"}
        )
        assert "24 hours" in response.content.decode()
        page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
        assert 'id="whatsapp-window" data-open="0"' in page
        assert 'id="whatsapp-reply-closed"' in page  # said at the reply form too
        assert 'value="follow_up"' in page and 'value="survey"' in page
        response = client.post(
            f"/desk/messengers/tickets/{ticket.pk}/template/", {"template": "follow_up"}
        )
        assert response.status_code == 302
        refused = client.post(
            f"/desk/messengers/tickets/{ticket.pk}/template/", {"template": "made_up"}
        )
        assert refused.status_code == 302
    assert run_queued("notify") == ["sent"]
    [sent] = api.sent
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "follow_up", "language": {"code": "nl"}}
    assert Delivery.objects.get().template == "follow_up"
    # when the customer writes again, the window opens again
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        post(number, whatsapp_payload(PHONE_ID, wa_text("wamid.IN2", "Ja, nog één")))
        actions.reply(ticket, body="Vertel", by=desk.agent)


def test_a_failed_status_and_api_errors_show_on_the_message(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    ticket = _whatsapp_ticket(number)
    reply = actions.reply(ticket, body="Hallo", by=desk.agent)
    api.fail("messages", Failure(status=429, retry_after=40, description="Rate limit hit"))
    assert run_queued("notify") == [None]
    delivery = Delivery.objects.get(message=reply)
    assert delivery.state == DeliveryState.RETRYING and "Rate limit hit" in delivery.error
    assert run_queued("notify") == ["sent"]
    delivery.refresh_from_db()
    failed = [{"id": delivery.external_id, "status": "failed",
               "errors": [{"code": 131047, "title": "Re-engagement message"}]}]  # fmt: skip
    post(number, whatsapp_payload(PHONE_ID, statuses=failed))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.error == "Re-engagement message"
    client = Client()
    client.force_login(desk.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Re-engagement message" in page


def test_a_revoked_access_token_fails_the_reply_at_once(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    ticket = _whatsapp_ticket(number)
    WhatsAppNumber.objects.filter(pk=number.pk).update(access_token="revoked")
    reply = actions.reply(ticket, body="Hallo", by=desk.agent)
    assert run_queued("notify") == ["failed"]
    assert "Invalid OAuth access token" in Delivery.objects.get(message=reply).error
    assert Conversation.objects.get().chat_id == "31612345678"
