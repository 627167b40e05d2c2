"""In headless Chromium, on a laptop and on a phone: the customer follows the survey link,
confirms a bad rating and comments; an agent finds the ticket under Follow-up and marks it
handled."""

from __future__ import annotations

from typing import Any

import pytest

from loket.csat import links
from loket.csat.models import Survey
from tests.conftest import Desk
from tests.csat.conftest import SEND, run_due, solve
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_customer_rates_and_agent_follows_up(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Any, settings: Any, mta: Any,
    width: int, height: int,
) -> None:  # fmt: skip
    settings.CSAT_DELAY_MINUTES = 0
    solve(acme_ticket, desk.agent)
    assert run_due(SEND) == 1
    survey = Survey.objects.get(ticket=acme_ticket)
    errors: list[str] = []

    customer = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    page = customer.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/survey/{survey.ticket_id}/{links.token_for(survey)}/rate/1/")
    page.wait_for_selector("text=How did we do?")
    assert page.is_checked("input[name=score][value='1']")
    assert page.evaluate(OVERFLOW) <= 0
    page.click("[data-confirm-rating]")
    page.wait_for_selector("[data-current-rating='1']")
    page.fill("#csat-comment", "Nobody told me it was fixed.")
    page.click("main button[type=submit]")
    page.wait_for_selector("[data-comment-saved]")
    assert page.evaluate(OVERFLOW) <= 0
    customer.close()

    agent = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    desk_page = agent.new_page()
    desk_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(desk_page, live_server.url, desk.agent.email)
    desk_page.click("header nav >> text=Follow-up")
    row = desk_page.locator(f"[data-survey='{survey.pk}']")
    row.wait_for()
    assert "Nobody told me it was fixed." in row.inner_text()
    assert desk_page.evaluate(OVERFLOW) <= 0, "the follow-up list is wider than the screen"
    row.locator("input[name=note]").fill("Called her back.")
    row.locator("button[type=submit]").click()
    desk_page.wait_for_selector("[data-empty]")
    agent.close()
    assert errors == []
    survey.refresh_from_db()
    assert survey.score == 1 and not survey.needs_follow_up and survey.handled_by == desk.agent
