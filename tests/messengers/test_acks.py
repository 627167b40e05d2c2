"""A new Telegram or WhatsApp ticket gets its number back in the same chat, in the customer's
language and register, once; a message on the open ticket gets none, a follow-up ticket (the
old one closed) its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from loket.messengers.models import Conversation, TelegramBot, WhatsAppNumber
from loket.tickets import actions
from loket.tickets.models import State, Ticket
from tests.conftest import Desk
from tests.messengers.conftest import PHONE_ID
from tests.messengers.fakes import MessengerApi, telegram_update, wa_text, whatsapp_payload
from tests.messengers.test_telegram import post_update
from tests.messengers.test_whatsapp import post
from tests.webhooks.conftest import run_queued

pytestmark = pytest.mark.django_db


def test_a_new_telegram_ticket_gets_its_number_in_the_chat(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    assert post_update(bot, telegram_update(1, text="Mijn pakket is zoek")).status_code == 200
    ticket = Ticket.objects.get()
    assert run_queued("default") == [True]
    (sent,) = api.sent
    assert sent["chat_id"] == "555001"
    # the Telegram app speaks Dutch; the desk does not know the register yet: "u"
    assert f"#{ticket.pk}" in sent["text"] and "uw bericht" in sent["text"]
    # a second message on the open ticket is not acknowledged again, nor is a retry sent twice
    assert post_update(bot, telegram_update(2, text="Hallo?")).status_code == 200
    assert run_queued("default") == []
    from loket.messengers.tasks import acknowledge

    conversation = Conversation.objects.get()
    assert acknowledge.call(conversation.pk, ticket.pk) is False
    assert len(api.sent) == 1


def test_a_follow_up_after_a_closed_ticket_is_acknowledged_with_its_own_number(
    api: MessengerApi, bot: TelegramBot, desk: Desk
) -> None:
    post_update(bot, telegram_update(1, text="Eerste vraag"))
    run_queued("default")
    first = Ticket.objects.get()
    first.customer.formality = "informal"
    first.customer.language = "nl"
    first.customer.save()
    actions.reply(first, body="Opgelost.", by=desk.agent, then_state=State.RESOLVED)
    actions.change_state(first, State.CLOSED, by=desk.agent)
    post_update(bot, telegram_update(2, text="Nieuwe vraag"))
    follow_up = Ticket.objects.exclude(pk=first.pk).get()
    assert run_queued("default") == [True]
    text = api.sent[-1]["text"]
    assert f"#{follow_up.pk}" in text and "je bericht" in text


def test_a_new_whatsapp_ticket_is_acknowledged_only_inside_the_reply_window(
    api: MessengerApi, number: WhatsAppNumber, desk: Desk
) -> None:
    post(number, whatsapp_payload(PHONE_ID, wa_text("wamid.A1", "Is mijn order verzonden?")))
    ticket = Ticket.objects.get()
    # a worker that was away for a day: WhatsApp's 24-hour window has closed, nothing is sent
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert run_queued("default") == [False]
    assert api.sent == []
    conversation = Conversation.objects.get()
    conversation.last_inbound_at = timezone.now()
    conversation.save()
    from loket.messengers.tasks import acknowledge

    assert acknowledge.call(conversation.pk, ticket.pk) is True
    (sent,) = api.sent
    assert sent["api"] == "whatsapp" and f"#{ticket.pk}" in sent["text"]["body"]
