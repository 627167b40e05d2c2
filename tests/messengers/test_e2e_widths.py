"""The messenger pages fit a phone (390 px) in Dutch, in headless Chromium: settings pages,
contacts, and a WhatsApp ticket with its window notice, templates and a failed reply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from loket.messengers import ingest
from loket.messengers.models import (
    Contact,
    Conversation,
    Delivery,
    DeliveryState,
    TelegramBot,
    WhatsAppNumber,
)  # fmt: skip
from loket.tickets import actions
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_messenger_pages_fit_a_phone(browser: Any, live_server: Any, desk: Desk) -> None:
    bot = TelegramBot.objects.create(
        name="Winkelbot", slug="winkel", token="1:x", team=desk.first_line
    )
    number = WhatsAppNumber.objects.create(
        name="Winkel WhatsApp", slug="winkel-wa", phone_number_id="1065550001",
        access_token="t", app_secret="s", team=desk.first_line,
        templates="opvolging_met_een_heel_lange_naam | nl | " + "Een lange sjabloontekst " * 8,
    )  # fmt: skip
    person = ingest.Person("31612345678", "Klaas Langenaam-Vanderbroeksteeg", "+31612345678")
    message = ingest.receive(number, external_id="wamid.1", chat_id="31612345678", person=person,
                             text="Waar blijft mijn bestelling? " * 20)  # fmt: skip
    assert message is not None
    ticket = message.ticket
    reply = actions.reply(ticket, body="Hij komt eraan.", by=desk.admin)
    Delivery.objects.filter(message=reply).update(
        state=DeliveryState.FAILED, error="WhatsApp weigerde het bericht: " + "x" * 300
    )
    Conversation.objects.update(last_inbound_at=ticket.created_at - timedelta(days=2))
    contact = Contact.objects.get()
    desk.admin.language = "nl"
    desk.admin.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    paths = [
        "/desk/messengers/bots/",
        f"/desk/messengers/bots/{bot.pk}/",
        "/desk/messengers/bots/new/",
        "/desk/messengers/numbers/",
        f"/desk/messengers/numbers/{number.pk}/",
        "/desk/messengers/contacts/",
        f"/desk/messengers/contacts/{contact.pk}/",
        f"/desk/tickets/{ticket.pk}/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert not page.evaluate(OVERFLOW), (path, _wide_elements(page))
    # the ticket page (in Dutch) says the window is closed and offers the template
    assert page.locator("#whatsapp-window[data-open='0']").is_visible()
    assert "sjablonen" in page.locator("#whatsapp-window").inner_text()
    assert page.locator("[data-delivery='failed'] button").is_visible()
    context.close()
