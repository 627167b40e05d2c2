"""In headless Chromium: a manager opens Reports from the desk nav and sees a chart drawn,
its table view and the CSV link; on a phone the page is no wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from loket.tickets import actions
from loket.tickets.models import Channel, State
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_manager_sees_a_chart(
    browser: Any, live_server: Any, desk: Desk, width: int, height: int
) -> None:
    for channel in (Channel.WEB, Channel.EMAIL):
        ticket = actions.create_ticket(
            subject="Banner", body="Gone.", customer=desk.acme_alice, channel=channel,
            by=desk.acme_alice,
        )  # fmt: skip
        actions.reply(ticket, body="Fixed.", by=desk.agent)
        actions.change_state(ticket, State.RESOLVED, by=desk.agent)
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.admin.email)
    page.locator("header nav").get_by_role("link", name="Reports").click()
    chart = page.locator("svg[data-chart='volume']")
    expect(chart).to_be_visible()
    expect(chart.locator("rect").first).to_be_visible()
    assert chart.locator("rect").count() >= 2  # a bar per channel that day
    figure = page.locator("[data-figure='volume']")
    figure.locator("summary").click()
    expect(figure.locator("table[data-table='volume']")).to_be_visible()
    expect(figure.get_by_role("link", name="CSV")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0, "the reports page is wider than the screen"
    context.close()
    assert errors == []
