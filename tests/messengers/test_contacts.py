"""Messenger contacts linked to customers: one customer with e-mail, Telegram and WhatsApp
identities, their tickets moved with an event, the contact-only customer switched off."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from loket.accounts.models import User
from loket.messengers.contacts import is_placeholder
from loket.messengers.models import Contact, TelegramBot, WhatsAppNumber
from loket.tickets import actions
from loket.tickets.models import Channel, EventKind, Ticket
from tests.conftest import Desk
from tests.messengers.conftest import APP_SECRET, PHONE_ID
from tests.messengers.fakes import MessengerApi, sign, telegram_update, wa_text, whatsapp_payload
from tests.webhooks.conftest import run_queued

pytestmark = pytest.mark.django_db


def _telegram(bot: TelegramBot, update_id: int, text: str) -> None:
    Client().post(
        f"/hooks/telegram/{bot.slug}/", json.dumps(telegram_update(update_id, text=text)),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret},
    )  # fmt: skip


def _whatsapp(number: WhatsAppNumber, message_id: str, text: str) -> None:
    body = json.dumps(whatsapp_payload(PHONE_ID, wa_text(message_id, text))).encode()
    Client().post(
        f"/hooks/whatsapp/{number.slug}/", body, content_type="application/json",
        headers={"X-Hub-Signature-256": sign(APP_SECRET, body)},
    )  # fmt: skip


def _agent(desk: Desk) -> Client:
    client = Client()
    client.force_login(desk.agent)
    return client


def test_an_agent_links_telegram_and_whatsapp_to_one_customer_with_e_mail(
    api: MessengerApi, bot: TelegramBot, number: WhatsAppNumber, desk: Desk
) -> None:
    # given the same person wrote by Telegram and by WhatsApp
    _telegram(bot, 1, "Hallo via Telegram")
    _whatsapp(number, "wamid.1", "Hallo via WhatsApp")
    tg = Contact.objects.get(kind="telegram")
    wa = Contact.objects.get(kind="whatsapp")
    placeholders = [tg.customer, wa.customer]
    assert all(is_placeholder(p) for p in placeholders)
    client = _agent(desk)
    # when the agent confirms both are Alice of Acme (by her address)
    page = client.get(f"/desk/messengers/contacts/{tg.pk}/")
    assert page.status_code == 200 and "Confirm who this is" in page.content.decode()
    for contact in (tg, wa):
        response = client.post(
            f"/desk/messengers/contacts/{contact.pk}/", {"email": desk.acme_alice.email.upper()}
        )
        assert response.status_code == 302
    # then Alice has both identities and both tickets, in her organisation
    assert set(desk.acme_alice.messenger_contacts.values_list("kind", flat=True)) == {
        "telegram", "whatsapp",
    }  # fmt: skip
    tickets = Ticket.objects.filter(customer=desk.acme_alice)
    assert tickets.count() == 2
    assert all(t.organisation == desk.acme for t in tickets)
    assert all(t.events.filter(kind=EventKind.CUSTOMER, actor=desk.agent).exists() for t in tickets)
    assert all(m.author == desk.acme_alice for t in tickets for m in t.messages.all())
    for old in placeholders:
        old.refresh_from_db()
        assert not old.is_active
    tg.refresh_from_db()
    assert tg.confirmed_by == desk.agent and tg.confirmed_at is not None
    # and new messages by either messenger land on Alice's tickets; replies still go by messenger
    _telegram(bot, 2, "Nog iets")
    ticket = Ticket.objects.get(channel=Channel.TELEGRAM)
    assert ticket.messages.count() == 2 and ticket.customer == desk.acme_alice
    actions.reply(ticket, body="Zeker", by=desk.agent)
    assert run_queued("mail") == []
    assert run_queued("notify") == ["sent"]
    # the ticket page shows the contact as linked
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'id="messenger-panel"' in page and "Not linked" not in page


def test_two_messenger_contacts_are_merged_before_anyone_knows_their_address(
    api: MessengerApi, bot: TelegramBot, number: WhatsAppNumber, desk: Desk
) -> None:
    _telegram(bot, 1, "Hoi")
    _whatsapp(number, "wamid.1", "Hoi")
    tg = Contact.objects.get(kind="telegram")
    wa = Contact.objects.get(kind="whatsapp")
    response = _agent(desk).post(f"/desk/messengers/contacts/{wa.pk}/", {"same_as": tg.pk})
    assert response.status_code == 302
    wa.refresh_from_db()
    assert wa.customer == tg.customer
    assert Ticket.objects.filter(customer=tg.customer).count() == 2
    # later linked to a new customer by address: both identities follow
    _agent(desk).post(
        f"/desk/messengers/contacts/{tg.pk}/", {"email": "piet@example.nl", "name": "Piet"}
    )
    piet = User.objects.get(email="piet@example.nl")
    assert Contact.objects.get(pk=tg.pk).customer == piet
    assert Ticket.objects.filter(customer=piet).count() == 2


@pytest.mark.parametrize(
    "data",
    [{}, {"email": "a@example.nl", "same_as": 1}, {"email": "not an address"}, {"same_as": 999}],
)
def test_bad_link_requests_are_refused_with_a_reason(
    api: MessengerApi, bot: TelegramBot, desk: Desk, data: dict[str, Any]
) -> None:
    _telegram(bot, 1, "Hoi")
    contact = Contact.objects.get()
    response = _agent(desk).post(f"/desk/messengers/contacts/{contact.pk}/", data)
    assert response.status_code == 200 and b"errorlist" in response.content
    contact.refresh_from_db()
    assert is_placeholder(contact.customer)


def test_a_contact_cannot_be_linked_to_staff_and_customers_cannot_open_contacts(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    _telegram(bot, 1, "Hoi")
    contact = Contact.objects.get()
    response = _agent(desk).post(
        f"/desk/messengers/contacts/{contact.pk}/", {"email": desk.manager.email}
    )
    assert response.status_code == 200 and b"not to staff" in response.content
    customer = Client()
    customer.force_login(desk.acme_alice)
    for url in ("/desk/messengers/contacts/", f"/desk/messengers/contacts/{contact.pk}/"):
        assert customer.get(url).status_code in (302, 403, 404)
    assert (
        _agent(desk)
        .get("/desk/messengers/contacts/?q=piet")
        .content.count(b"/desk/messengers/contacts/")
        >= 1
    )


def test_a_wrong_link_is_corrected_and_only_that_chat_moves(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    _telegram(bot, 1, "Hoi")
    contact = Contact.objects.get()
    telegram_ticket = Ticket.objects.get()
    actions.create_ticket(
        subject="Mail", body="?", customer=desk.acme_bob, channel=Channel.EMAIL, by=desk.acme_bob
    )
    client = _agent(desk)
    client.post(f"/desk/messengers/contacts/{contact.pk}/", {"email": desk.acme_bob.email})
    assert Ticket.objects.filter(customer=desk.acme_bob).count() == 2
    # it was Alice after all: the chat's ticket moves, Bob's own mail stays his
    client.post(f"/desk/messengers/contacts/{contact.pk}/", {"email": desk.acme_alice.email})
    telegram_ticket.refresh_from_db()
    assert telegram_ticket.customer == desk.acme_alice
    assert Ticket.objects.get(channel=Channel.EMAIL).customer == desk.acme_bob
    assert desk.acme_bob.is_active
