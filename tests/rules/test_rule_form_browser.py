"""The rule form in a browser: choosing a custom field swaps in its options (htmx), and the
form fits a phone in Dutch with the longest property and action names."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements
from tests.rules.conftest import Types

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_choosing_a_field_offers_its_options_and_the_form_fits_a_phone(
    browser: Any, live_server: Any, desk: Desk, types: Types
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    page.goto(live_server.url + "/desk/rules/new/")
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: "/desk/rules/row/condition/" in r.url):
        page.select_option("select[name=c-0-property]", "field:pages")
    options = page.locator("select[name=c-0-value] option")
    options.first.wait_for(state="attached")
    assert "home" in options.evaluate_all("els => els.map(e => e.value)")
    with page.expect_response(lambda r: "/desk/rules/row/action/" in r.url):
        page.select_option("select[name=a-0-kind]", "reply")
    assert not page.evaluate(OVERFLOW), _wide_elements(page)
    context.close()
