"""An agent answers a ticket in the browser; the customer signs in and reads the answer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from loket.tickets.models import Ticket
from tests.conftest import PASSWORD, TOTP_SECRET, Desk, totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    # The form is boosted by htmx: wait for the page it lands on, not for a load event.
    page.wait_for_url(re.compile(r"/(desk|portal|accounts/2fa/authenticate)/"))
    if "/2fa/authenticate/" in page.url:
        # Managers and admins sign in with their second factor (the desk fixture's secret).
        page.fill("#id_code", totp_code(TOTP_SECRET))
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r"/(desk|portal)/"))


def test_agent_answers_and_customer_reads_it(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket
) -> None:
    base = live_server.url
    errors: list[str] = []

    # given an agent signed in, who finds the new ticket in the unanswered view
    agent = browser.new_context(locale="en-GB").new_page()
    agent.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(agent, base, desk.agent.email)
    assert "/desk/" in agent.url
    agent.click("text=Unanswered")
    agent.click(f"text={acme_ticket.subject}")
    agent.wait_for_selector("#reply-body")

    # when she presses r, types a reply and sends it as resolved
    agent.keyboard.press("r")
    agent.keyboard.type("The banner is back. It was a cache problem on our side.")
    agent.select_option("select[name=then_state]", "resolved")
    agent.click("#reply-form button[type=submit]")
    agent.wait_for_selector("text=Your reply was sent.")
    assert agent.locator(".msg.reply").count() == 1
    assert errors == []  # no CSP violations or script errors

    # then the customer, signed in separately, sees the answer signed with the agent's name
    customer = browser.new_context(locale="nl-NL").new_page()
    sign_in(customer, base, desk.acme_bob.email)  # same organisation as the requester
    assert "/portal/" in customer.url
    customer.click(f"text={acme_ticket.subject}")
    customer.wait_for_selector(".msg.reply")
    reply = customer.locator(".msg.reply")
    assert "cache problem" in reply.inner_text()
    assert desk.agent.display_name in reply.inner_text()
