"""Every new ticket a customer opens gets its number back, in their language and register:
by mail for the portal, the API and the chat; the contact form's confirmation mail carries
it; never to an address nobody proved, that bounces, or more than a few times an hour."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from loket.accounts.models import ApiToken
from loket.mail.models import BouncedAddress
from loket.tickets import actions
from loket.tickets.models import Channel, Ticket
from tests.accounts.conftest import mails_to, run_queued, text_of
from tests.api.conftest import ApiClient
from tests.conftest import Desk

ACK = "loket.mail.tasks.acknowledge_ticket"


def _portal(user: Any, subject: str) -> Ticket:
    client = Client()
    client.force_login(user)
    response = client.post("/portal/new/", {"subject": subject, "body": "It is broken."})
    assert response.status_code == 302
    return Ticket.objects.get(subject=subject)


def test_a_portal_ticket_is_acknowledged_in_the_customers_language_and_register(
    desk: Desk, mta: Any
) -> None:
    desk.acme_bob.language, desk.acme_bob.formality = "nl", "informal"
    desk.acme_bob.save()
    ticket = _portal(desk.acme_bob, "Factuur klopt niet")
    assert run_queued(ACK) == 1
    (mail,) = mails_to(mta, desk.acme_bob.email)
    text = text_of(mail)
    assert f"#{ticket.pk}" in text and "Bedankt voor je bericht" in text
    assert str(mail["Auto-Submitted"]) == "auto-replied"
    # formal Dutch for a customer who prefers "u"
    desk.acme_alice.language, desk.acme_alice.formality = "nl", "formal"
    desk.acme_alice.save()
    formal = _portal(desk.acme_alice, "Vraag over de offerte")
    assert run_queued(ACK) == 1
    (mail,) = mails_to(mta, desk.acme_alice.email)
    assert "uw bericht" in text_of(mail) and f"#{formal.pk}" in text_of(mail)


def api_as(user: Any) -> ApiClient:
    _token, raw = ApiToken.issue(user, "tests")
    return ApiClient(raw)


def test_an_api_ticket_is_acknowledged(desk: Desk, mta: Any) -> None:
    # a customer through the API, and an integration (agent token) for a customer
    mine = api_as(desk.globex_carol).post("/tickets", {"subject": "API one", "body": "x"})
    assert mine.status_code == 201, mine.content
    theirs = api_as(desk.agent).post(
        "/tickets", {"subject": "From the shop", "body": "y", "customer": desk.loner.pk}
    )
    assert theirs.status_code == 201, theirs.content
    assert run_queued(ACK) == 2
    (carol,) = mails_to(mta, desk.globex_carol.email)
    assert f"#{mine.json()['id']}" in text_of(carol)
    assert "Thank you for your message" in text_of(carol)
    (loner,) = mails_to(mta, desk.loner.email)
    assert f"#{theirs.json()['id']}" in text_of(loner)


def test_a_ticket_an_agent_writes_down_is_not_acknowledged(desk: Desk, mta: Any) -> None:
    actions.create_ticket(
        subject="Called about the invoice", body="Noted.", customer=desk.acme_alice,
        channel=Channel.WEB, by=desk.agent,
    )  # fmt: skip
    actions.create_ticket(
        subject="Phone", body="Noted.", customer=desk.acme_alice, channel=Channel.PHONE,
        by=desk.agent, call_duration_seconds=60,
    )  # fmt: skip
    assert run_queued(ACK) == 0
    assert mta.mails == []


def test_the_contact_form_mails_the_number_only_with_the_confirmation(desk: Desk, mta: Any) -> None:
    # A stranger types Alice's address: she gets the confirmation (with the number), no
    # acknowledgement, so the form cannot be used to send mail of our choosing to anyone.
    form = {"name": "Someone", "email": desk.acme_alice.email, "subject": "Close it", "body": "."}
    page = Client().post("/contact/", form)
    assert page.status_code == 200
    ticket = Ticket.objects.get(subject="Close it")
    # the visitor sees the number on the page
    assert f"#{ticket.pk}" in page.content.decode()
    assert run_queued(ACK) == 0
    assert run_queued("loket.portal.tasks.send_contact_confirmation") == 1
    (mail,) = mails_to(mta, desk.acme_alice.email)
    assert f"#{ticket.pk}" in str(mail["Subject"])


def test_loop_rules_bounces_and_the_hourly_cap(desk: Desk, mta: Any, settings: Any) -> None:
    BouncedAddress.objects.create(
        address=desk.acme_bob.email, bounces=1, last_status="5.1.1", last_bounce_at=timezone.now()
    )
    _portal(desk.acme_bob, "Bounces")
    assert run_queued(ACK) == 1
    assert mails_to(mta, desk.acme_bob.email) == []
    settings.MAIL_ACKS_PER_HOUR = 2
    for n in range(3):
        _portal(desk.acme_alice, f"Question {n}")
    assert run_queued(ACK) == 3
    assert len(mails_to(mta, desk.acme_alice.email)) == 2
    # switched off for the whole desk: nothing is queued
    settings.MAIL_ACKNOWLEDGE = 0
    _portal(desk.globex_carol, "No acks")
    assert run_queued(ACK) == 0
