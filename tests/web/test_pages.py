"""The pages people use, through Django's test client on a real database."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from loket.tickets.models import Message, MessageKind, State, Ticket
from tests.conftest import Desk


def login(client: Client, email: str) -> Client:
    from loket.accounts.models import User

    client.force_login(User.objects.get(email=email))
    return client


def test_login_page_speaks_the_visitors_language(db: None, client: Client) -> None:
    # given a Dutch browser, when it opens the front door, then the login page is in Dutch
    nl = client.get("/", HTTP_ACCEPT_LANGUAGE="nl")
    assert nl.status_code == 200
    assert "Wachtwoord" in nl.content.decode()
    en = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Password" in en.content.decode()


def test_healthz_reports_database(db: None, client: Client) -> None:
    # the liveness answer: this process and its database (workers: tests/jobs/test_health.py)
    response = client.get("/healthz?live=1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor}


def test_security_headers_on_every_page(db: None, client: Client) -> None:
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_desk_needs_an_agent(desk: Desk, client: Client) -> None:
    assert client.get("/desk/").status_code == 302  # anonymous → login
    login(client, desk.acme_alice.email)
    assert client.get("/desk/")["Location"].endswith("/portal/")


def test_agent_answers_from_the_ticket_page(desk: Desk, acme_ticket: Ticket) -> None:
    client = login(Client(), desk.agent.email)
    # given the inbox lists the new ticket as unanswered
    inbox = client.get("/desk/?view=unanswered").content.decode()
    assert "Banner does not show" in inbox
    assert "1 unanswered" in inbox
    page = client.get(f"/desk/tickets/{acme_ticket.pk}/")
    assert page.status_code == 200
    # when the agent replies through the form
    response = client.post(
        f"/desk/tickets/{acme_ticket.pk}/reply/",
        {"body": "Fixed, <b>sorry</b>!", "then_state": State.RESOLVED},
    )
    assert response.status_code == 302
    # then the ticket is resolved and the reply is stored with its author
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.RESOLVED
    reply = acme_ticket.messages.get(kind=MessageKind.REPLY)
    assert reply.author == desk.agent
    # and the page escapes what was typed
    html = client.get(f"/desk/tickets/{acme_ticket.pk}/").content.decode()
    assert "&lt;b&gt;sorry&lt;/b&gt;" in html


def test_state_change_needs_post_and_csrf(desk: Desk, acme_ticket: Ticket) -> None:
    client = Client(enforce_csrf_checks=True)
    login(client, desk.agent.email)
    url = f"/desk/tickets/{acme_ticket.pk}/escalate/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"to_tier": 2, "reason": "x"}).status_code == 403
    acme_ticket.refresh_from_db()
    assert acme_ticket.tier == 1


def test_escalation_without_reason_is_refused(desk: Desk, acme_ticket: Ticket) -> None:
    client = login(Client(), desk.agent.email)
    client.post(f"/desk/tickets/{acme_ticket.pk}/escalate/", {"to_tier": 2, "reason": "  "})
    acme_ticket.refresh_from_db()
    assert acme_ticket.tier == 1
    client.post(
        f"/desk/tickets/{acme_ticket.pk}/escalate/", {"to_tier": 2, "reason": "needs a server"}
    )
    acme_ticket.refresh_from_db()
    assert acme_ticket.tier == 2
    assert acme_ticket.events.filter(kind="escalated", reason="needs a server").exists()


def test_phone_call_is_logged_with_duration(desk: Desk) -> None:
    desk.acme.auto_join = True  # Acme lets its e-mail domain join
    desk.acme.save()
    client = login(Client(), desk.agent.email)
    response = client.post(
        "/desk/call/",
        {
            "customer_email": "caller@acme.test",
            "customer_name": "Caller",
            "subject": "Called about invoices",
            "summary": "Asked about the invoice of May.",
            "minutes": "4.5",
        },
    )
    assert response.status_code == 302
    message = Message.objects.get(body="Asked about the invoice of May.")
    assert message.call_duration_seconds == 270
    assert message.ticket.channel == "phone"
    assert message.ticket.organisation == desk.acme  # joined by e-mail domain


def test_customer_sees_own_organisation_only(
    desk: Desk, acme_ticket: Ticket, globex_ticket: Ticket
) -> None:
    client = login(Client(), desk.acme_bob.email)  # Bob did not open it, Alice (same org) did
    assert client.get(f"/portal/tickets/{acme_ticket.pk}/").status_code == 200
    assert client.get(f"/portal/tickets/{globex_ticket.pk}/").status_code == 404
    home = client.get("/portal/").content.decode()
    assert "Banner does not show" in home and "Payout is late" not in home


def test_customer_never_sees_internal_notes(desk: Desk, acme_ticket: Ticket) -> None:
    from loket.tickets import actions

    actions.add_note(acme_ticket, body="Customer is difficult, be careful", by=desk.agent)
    client = login(Client(), desk.acme_alice.email)
    page = client.get(f"/portal/tickets/{acme_ticket.pk}/").content.decode()
    assert "be careful" not in page


def test_customer_reply_reopens_waiting_ticket(desk: Desk, acme_ticket: Ticket) -> None:
    from loket.tickets import actions

    actions.reply(acme_ticket, body="Can you send a screenshot?", by=desk.agent)
    client = login(Client(), desk.acme_alice.email)
    response = client.post(f"/portal/tickets/{acme_ticket.pk}/", {"body": "Here it is."})
    assert response.status_code == 302
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.OPEN
    assert acme_ticket.awaiting_reply_since is not None


@pytest.fixture
def fresh_cache() -> None:
    cache.clear()


@override_settings(CONTACT_FORM_RATE="2/h")
def test_contact_form_honeypot_and_rate_limit(db: None, fresh_cache: None) -> None:
    client = Client()
    form = {"name": "Jan", "email": "jan@example.test", "subject": "Vraag", "body": "Hallo"}
    # a bot fills the hidden field: it is told thanks, nothing is stored
    assert client.post("/contact/", {**form, "website": "http://spam"}).status_code == 200
    assert Ticket.objects.count() == 0
    # a person gets a ticket, twice; the third within the hour is refused
    assert client.post("/contact/", form).status_code == 200
    assert client.post("/contact/", form).status_code == 200
    assert client.post("/contact/", form).status_code == 429
    assert Ticket.objects.count() == 2


def test_attachment_of_other_organisation_is_404(desk: Desk) -> None:
    from loket.tickets import actions
    from loket.tickets.actions import NewAttachment
    from loket.tickets.models import Attachment, Channel

    actions.create_ticket(
        subject="Logs",
        body="See attached",
        customer=desk.globex_carol,
        channel=Channel.WEB,
        by=desk.globex_carol,
        attachments=[NewAttachment("evil.svg", b"<svg onload=alert(1)></svg>")],
    )
    attachment = Attachment.objects.get()
    outsider = login(Client(), desk.acme_alice.email)
    assert outsider.get(f"/attachments/{attachment.pk}/").status_code == 404
    owner = login(Client(), desk.globex_carol.email)
    response = owner.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    # an SVG is never served as something the browser would run
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_health_page_is_for_managers(desk: Desk, acme_ticket: Ticket) -> None:
    from loket.tickets import actions

    actions.reply(acme_ticket, body="On it", by=desk.agent)  # enqueues the customer mail
    assert login(Client(), desk.agent.email).get("/desk/health/").status_code == 404
    page = login(Client(), desk.manager.email).get("/desk/health/")
    assert page.status_code == 200
    assert "mail" in page.content.decode()  # the queued reply mail shows in its queue


def test_customer_keeps_seeing_own_ticket_after_joining_an_organisation(desk: Desk) -> None:
    from loket.tickets import actions
    from loket.tickets.models import Channel

    ticket = actions.create_ticket(
        subject="Before I joined", body="x", customer=desk.loner, channel=Channel.WEB, by=None
    )
    desk.loner.organisation = desk.globex
    desk.loner.save()
    client = login(Client(), desk.loner.email)
    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200


def test_note_and_no_reply_forms(desk: Desk, acme_ticket: Ticket) -> None:
    client = login(Client(), desk.agent.email)
    base = f"/desk/tickets/{acme_ticket.pk}"
    client.post(f"{base}/note/", {"body": "Checked the CDN"})
    assert acme_ticket.messages.filter(kind=MessageKind.NOTE, author=desk.agent).exists()
    # a blank reason is refused, a written one answers the waiting message
    client.post(f"{base}/no-reply/", {"reason": ""})
    assert acme_ticket.messages.filter(needs_reply=True).count() == 1
    client.post(f"{base}/no-reply/", {"reason": "Customer said thanks by phone"})
    waiting = acme_ticket.messages.get(kind=MessageKind.CUSTOMER)
    assert not waiting.needs_reply and waiting.no_reply_by == desk.agent
