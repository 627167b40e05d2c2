"""The new pages fit a phone and a laptop in Dutch and English, in headless Chromium: the
notification settings with push for this device (the service worker registers from the root
scope under the desk's CSP), and a ticket the agent worked on and escalated (read only)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from loket.accounts.models import Tier
from loket.tickets import actions
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("LOKET_SCREENSHOTS", "")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_push_settings_and_history_pages_fit(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, language: str
) -> None:
    actions.reply(acme_ticket, body="Ik kijk ernaar.", by=desk.agent)
    actions.escalate(acme_ticket, Tier.SECOND_LINE, by=desk.agent, reason="Een ontwikkelaar nodig.")
    desk.agent.language = language
    desk.agent.save(update_fields=["language"])
    for width in (390, 1366):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale=f"{language}-NL"
        )
        page = context.new_page()
        errors: list[str] = []

        def console(message: Any, errors: list[str] = errors) -> None:
            if message.type == "error":
                errors.append(message.text)

        page.on("console", console)
        sign_in(page, live_server.url, desk.agent.email)
        page.goto(live_server.url + "/sla/notifications/settings/")
        # the service worker registered (root scope) and the device's push switch shows
        page.locator("#push:not([hidden]) #push-on:not([hidden])").wait_for()
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == live_server.url + "/"
        assert not page.evaluate(OVERFLOW), _wide_elements(page)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/settings-{language}-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/desk/tickets/{acme_ticket.pk}/")
        page.locator("#history-only").wait_for()
        assert page.locator("#reply-form").count() == 0
        assert "Ik kijk ernaar." in page.locator("#timeline").inner_text()
        assert not page.evaluate(OVERFLOW), _wide_elements(page)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/history-{language}-{width}.png", full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e], errors
        context.close()
