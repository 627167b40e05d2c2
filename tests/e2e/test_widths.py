"""The desk and the portal fit a phone (390 px) and a laptop (1366 px) without sideways
scrolling, and the inbox's rows become cards on the phone."""

from __future__ import annotations

from typing import Any

import pytest

from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _wide_elements(page: Any) -> list[str]:
    """What sticks out past the viewport, to name in the failure."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
    )


def assert_settings_pages_fit(page: Any, base: str, paths: list[str], width: int) -> None:
    """Each page has one heading and nothing that sticks out sideways."""
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("main h1").count() == 1, path
        assert not page.evaluate(OVERFLOW), (path, width, _wide_elements(page))


@pytest.mark.parametrize("width", [390, 1366])
def test_desk_pages_fit_the_screen(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    paths = ["/desk/", f"/desk/tickets/{acme_ticket.pk}/", "/desk/organisations/",
             f"/desk/organisations/{desk.acme.pk}/", "/desk/security/"]  # fmt: skip
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert not page.evaluate(OVERFLOW), (path, width, _wide_elements(page))
    page.goto(live_server.url + "/desk/?view=all")
    row = page.locator("#ticket-list tbody tr").first
    row.wait_for()
    header_shown = page.locator("#ticket-list thead").is_visible()
    assert header_shown == (width > 640)  # a card on the phone, a table row on the laptop
    context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_portal_pages_fit_the_screen(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, desk.acme_alice.email)
    for path in ["/portal/", f"/portal/tickets/{acme_ticket.pk}/", "/portal/new/", "/help/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert not page.evaluate(OVERFLOW), (path, width, _wide_elements(page))
    context.close()
