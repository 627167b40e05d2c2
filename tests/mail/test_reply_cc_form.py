"""The Cc field of the reply form on the agent's ticket page (test client, and one browser)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from loket.mail.send import send_reply
from loket.tickets import actions
from loket.tickets.models import Channel, Message, MessageKind, State
from tests.conftest import PASSWORD
from tests.mail.conftest import cc_header

SUGGESTED = "colleague@acme.test, boss@acme.test"


@pytest.fixture
def agent_client(desk) -> Client:
    client = Client()
    client.force_login(desk.agent)
    return client


def _cc_input(html: str) -> str:
    found = re.search(r'<input[^>]*id="reply-cc"[^>]*>', html)
    assert found is not None, "no Cc field on the page"
    return found.group(0)


def _replies(ticket) -> list[Message]:
    return list(ticket.messages.filter(kind=MessageKind.REPLY).order_by("pk"))


def test_the_form_suggests_reply_to_all_and_sends_the_edited_cc(
    desk,
    cc_ticket,
    agent_client,
    mta,
):
    # given the ticket page of a mail ticket, its Cc filled in with the others on the mail
    page = agent_client.get(f"/desk/tickets/{cc_ticket.pk}/").content.decode()
    assert f'value="{SUGGESTED}"' in _cc_input(page)
    # when the agent drops the boss, adds a partner and sends
    response = agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/",
        {
            "body": "Fixed.",
            "then_state": State.WAITING_CUSTOMER,
            "cc": "colleague@acme.test; Partner@example.test",
        },
    )
    assert response.status_code == 302
    (reply,) = _replies(cc_ticket)
    assert reply.cc == ["colleague@acme.test", "partner@example.test"]
    # then the mail goes to exactly those
    send_reply(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert sorted(rcpt) == ["alice@acme.test", "colleague@acme.test", "partner@example.test"]
    assert cc_header(mail) == ["colleague@acme.test", "partner@example.test"]


def test_an_emptied_field_sends_no_cc(desk, cc_ticket, agent_client, mta):
    agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/",
        {"body": "Only you.", "then_state": State.WAITING_CUSTOMER, "cc": "  "},
    )
    (reply,) = _replies(cc_ticket)
    assert reply.cc == []
    send_reply(reply.pk)
    ((_from, rcpt, mail),) = mta.mails
    assert rcpt == ["alice@acme.test"] and mail["Cc"] is None


def test_a_bad_address_shows_in_the_form_with_nothing_lost(desk, cc_ticket, agent_client):
    # when the agent types a reply with an address that is not one
    response = agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/",
        {
            "body": "A long answer, <typed> with care.",
            "then_state": State.RESOLVED,
            "cc": "colleague@acme.test, boss(at)acme.test",
        },
    )
    # then the page comes back with the error at the Cc field and everything that was typed
    assert response.status_code == 200
    html = response.content.decode()
    assert "“boss(at)acme.test” is not a valid e-mail address." in html
    assert 'value="colleague@acme.test, boss(at)acme.test"' in _cc_input(html)
    assert "A long answer, &lt;typed&gt; with care.</textarea>" in html
    assert re.search(r'<option value="resolved" selected>', html)
    assert response["HX-Replace-Url"] == f"/desk/tickets/{cc_ticket.pk}/"
    # and nothing was stored
    assert _replies(cc_ticket) == []
    cc_ticket.refresh_from_db()
    assert cc_ticket.state != State.RESOLVED


def test_a_refused_reply_keeps_the_typed_cc(desk, cc_ticket, agent_client, settings):
    settings.MAIL_MAX_CC = 1
    response = agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/",
        {"body": "  ", "then_state": State.OPEN, "cc": "a@example.test b@example.test"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "At most 1 addresses may be in Cc, not 2." in html
    assert "This field is required." in html  # the empty reply
    assert 'value="a@example.test b@example.test"' in _cc_input(html)
    assert _replies(cc_ticket) == []


def test_the_dutch_page_names_the_field_and_the_error_in_dutch(desk, cc_ticket, agent_client):
    desk.agent.language = "nl"
    desk.agent.save()
    response = agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/",
        {"body": "Opgelost.", "then_state": State.OPEN, "cc": "geen-adres"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    html = response.content.decode()
    assert "“geen-adres” is geen geldig e-mailadres." in html
    assert "laat het leeg voor geen Cc" in html


def test_no_cc_field_without_mail_or_customer_and_the_cc_stays_automatic(
    desk, acme_ticket, cc_ticket, agent_client
):
    # a ticket from the portal has no Cc field; its replies keep the automatic Cc
    page = agent_client.get(f"/desk/tickets/{acme_ticket.pk}/").content.decode()
    assert 'id="reply-cc"' not in page
    agent_client.post(
        f"/desk/tickets/{acme_ticket.pk}/reply/",
        {"body": "Fixed.", "then_state": State.OPEN, "cc": "sneaky@example.test"},
    )
    assert [m.cc for m in _replies(acme_ticket)] == [None]
    # nor does a mail ticket without a customer
    nobody = actions.create_ticket(
        subject="Alert", body="Disk full", customer=None, channel=Channel.EMAIL, by=None
    )
    assert 'id="reply-cc"' not in agent_client.get(f"/desk/tickets/{nobody.pk}/").content.decode()
    # a mail ticket's form sent without the field (an older page) leaves the Cc automatic
    agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/", {"body": "Fixed.", "then_state": State.OPEN}
    )
    assert [m.cc for m in _replies(cc_ticket)] == [None]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_the_agent_edits_the_cc(
    browser: Any,
    live_server: Any,
    desk,
    cc_ticket,
    mta,
) -> None:
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/")
    page.fill("#id_login", desk.agent.email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/"))
    page.goto(f"{live_server.url}/desk/tickets/{cc_ticket.pk}/")
    # the Cc field shows the suggestion; a typo comes back with the typed reply intact
    assert page.input_value("#reply-cc") == SUGGESTED
    page.fill("#reply-body", "The banner is back.")
    page.fill("#reply-cc", "colleague@acme.test, partner@example")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("text=is not a valid e-mail address")
    assert page.input_value("#reply-body") == "The banner is back."
    assert page.url == f"{live_server.url}/desk/tickets/{cc_ticket.pk}/"  # can be reloaded
    # corrected, it is sent with that Cc
    page.fill("#reply-cc", "partner@example.test")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector("text=Your reply was sent.")
    (reply,) = _replies(cc_ticket)
    assert reply.cc == ["partner@example.test"] and reply.body == "The banner is back."
    assert errors == []
    page.wait_for_load_state("networkidle")  # no request still running when the server stops
    page.context.close()


def test_a_reply_to_a_closed_ticket_is_refused_with_a_message(desk, cc_ticket, agent_client):
    actions.mark_no_reply_needed(cc_ticket, by=desk.agent, reason="Thanks only")
    actions.change_state(cc_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(cc_ticket, State.CLOSED, by=desk.agent)
    response = agent_client.post(
        f"/desk/tickets/{cc_ticket.pk}/reply/",
        {"body": "Late.", "then_state": State.OPEN, "cc": "a@example.test"},
        follow=True,
    )
    assert "This ticket is closed; open a follow-up ticket instead." in response.content.decode()
    assert _replies(cc_ticket) == []
