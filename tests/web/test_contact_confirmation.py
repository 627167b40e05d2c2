"""Finding 6 of issue #18: the public contact form filed a ticket typed in with a known
customer's address under that customer and organisation, visible in their portal. Now such a
ticket stays out of every customer's portal until the address is proven (the link mailed to
it, or verifying the address on an account), and agents see that the sender is unconfirmed.

Only what existed before the fix is imported here, so these run (and fail) on that code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.utils import timezone

from loket.accounts.models import User
from loket.tickets.models import Ticket
from tests.accounts.conftest import mails_to, path_in, run_queued, sign_in, verify
from tests.conftest import Desk

SUBJECT = "Please close our account and delete everything"
CONFIRM = "loket.portal.tasks.send_contact_confirmation"


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _contact(email: str) -> Ticket:
    form = {"name": "Someone", "email": email, "subject": SUBJECT, "body": "Right now."}
    assert Client().post("/contact/", form).status_code == 200
    return Ticket.objects.get(subject=SUBJECT)


def _seen_in_portal(user: User, ticket: Ticket) -> bool:
    client = _as(user)
    listed = SUBJECT in client.get("/portal/").content.decode()
    opened = client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200
    api = ticket.pk in [t["id"] for t in client.get("/api/tickets").json()["items"]]
    assert listed == opened == api
    return listed


def test_a_known_customers_address_on_the_contact_form_stays_out_of_the_portal_until_confirmed(
    desk: Desk, mta: Any
) -> None:
    # when a visitor files a question with Alice's address
    ticket = _contact(desk.acme_alice.email)
    # then neither Alice nor her colleague Bob sees it in the portal or the API
    assert not _seen_in_portal(desk.acme_alice, ticket)
    assert not _seen_in_portal(desk.acme_bob, ticket)
    # and the agent sees on the ticket that the sender is unconfirmed
    agent = _as(desk.admin)
    assert "Sender not confirmed" in agent.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    # when the worker mails Alice the confirmation link
    assert run_queued(CONFIRM) == 1
    (mail,) = mails_to(mta, desk.acme_alice.email)
    link = path_in(mail, "/contact/confirm/")
    # then opening it (as a mail scanner would) confirms nothing yet
    assert SUBJECT in Client().get(link).content.decode()
    assert not _seen_in_portal(desk.acme_alice, ticket)
    # past its days the link no longer works
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert Client().post(link).status_code == 404
    assert not _seen_in_portal(desk.acme_alice, ticket)
    # when she clicks "this was me"
    assert Client().post(link).status_code == 200
    # then the question is hers and her organisation's, and the timeline says so
    assert _seen_in_portal(desk.acme_alice, ticket)
    assert _seen_in_portal(desk.acme_bob, ticket)
    page = agent.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Sender not confirmed" not in page
    assert "confirmed the sender" in page


def test_a_new_address_on_the_contact_form_is_confirmed_by_verifying_it_later(
    desk: Desk, mta: Any
) -> None:
    # given Acme lets its domain join; a visitor files a question as a new Acme address
    desk.acme.auto_join = True
    desk.acme.save()
    ticket = _contact("vera@acme.test")
    vera = User.objects.get(email="vera@acme.test")
    # then she is in no organisation (a typed-in address proves nothing) and nobody was mailed
    assert vera.organisation_id is None and ticket.organisation_id is None
    assert run_queued(CONFIRM) == 0 and mails_to(mta, vera.email) == []
    assert not _seen_in_portal(desk.acme_alice, ticket)
    # when the real Vera gets a password through a reset mailed to her and signs in
    client = Client()
    client.post("/accounts/password/reset/", {"email": vera.email})
    reset = path_in(mails_to(mta, vera.email)[-1], "/accounts/password/reset/key/")
    form = client.get(reset, follow=True).redirect_chain[-1][0]
    new_password = "another-horse-battery-7"
    client.post(form, {"password1": new_password, "password2": new_password})
    sign_in(client, vera.email, new_password)
    # then her question is still hidden until she verifies the address
    assert SUBJECT not in client.get("/portal/").content.decode()
    client.post("/accounts/email/", {"email": vera.email, "action_send": ""})
    verify(client, mta, vera.email)
    # and then it is hers, and (a verified address) she joined Acme by its domain
    assert SUBJECT in client.get("/portal/").content.decode()
    assert User.objects.get(pk=vera.pk).organisation_id == desk.acme.pk
    ticket.refresh_from_db()
    assert ticket.sender_unconfirmed is False
