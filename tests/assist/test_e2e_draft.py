"""In the browser: the live draft check warns while the agent types, the warnings are held
on send and "Send anyway" sends; the assistant's pages fit a 390 px phone."""

from __future__ import annotations

from typing import Any

import pytest

from loket.tickets import actions
from loket.tickets.models import Channel, Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _informal_ticket(desk: Desk) -> Ticket:
    ticket, _m = actions.create_ticket_with_message(
        subject="Factuur klopt niet",
        body="Hoi, kun je mijn factuur van maart nog eens sturen? Het bedrag klopt niet.",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=None,
    )
    return ticket


def test_live_draft_warning_then_send_anyway(browser: Any, live_server: Any, desk: Desk) -> None:
    ticket = _informal_ticket(desk)
    errors: list[str] = []
    page = browser.new_context(locale="en-GB").new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    # the badges show how the customer writes
    assert page.locator("#assist-register").inner_text().startswith("informal")

    # when the agent types a formal, dismissive reply
    with page.expect_response(lambda r: "/desk/assist/tickets/" in r.url and r.status == 200):
        page.fill("#reply-body", "")
        page.type("#reply-body", "Geachte mevrouw, zoals ik al zei kunt u de factuur downloaden.")
    # then the findings appear under the text box, with the words and a fix
    register = page.locator("#assist-findings li[data-code=register]").first
    register.wait_for()
    texts = page.locator("#assist-findings li[data-code=register]").all_inner_texts()
    assert any("“u”" in text and "“je”" in text for text in texts), texts
    assert page.locator("#assist-findings li[data-code=tone]").count() == 1

    # when she corrects it, the warnings go away
    with page.expect_response(lambda r: "/desk/assist/tickets/" in r.url and r.status == 200):
        page.fill("#reply-body", "")
        page.type(
            "#reply-body",
            "Hoi Alice, je factuur van maart staat klaar, het bedrag is aangepast. Groet",
        )
    page.wait_for_function(
        "document.querySelectorAll('#assist-findings li[data-code=register]').length === 0"
    )

    # a reply with warnings is held on send, and "Send anyway" sends it (recorded)
    page.fill("#reply-body", "Geachte mevrouw, zoals ik al zei kunt u de factuur downloaden. Groet")
    page.click("#reply-form .toolbar button[type=submit]")
    page.wait_for_selector("#draft-warnings")
    page.click("#draft-warnings button[name=ignore_warnings]")
    page.wait_for_selector("text=Your reply was sent.")
    page.wait_for_selector("text=despite the draft check")
    assert errors == []


def test_assistant_pages_fit_a_phone(browser: Any, live_server: Any, desk: Desk) -> None:
    ticket = _informal_ticket(desk)
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    page.fill(
        "#reply-body", "Geachte mevrouw, ZOALS IK AL ZEI kunt u https://example.com/" + "x" * 120
    )
    page.click("#reply-form .toolbar button[type=submit]")
    page.wait_for_selector("#draft-warnings")
    assert not page.evaluate(OVERFLOW), _wide_elements(page)
    for path in ["/desk/assist/settings/", "/desk/settings/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert not page.evaluate(OVERFLOW), (path, _wide_elements(page))
    context.close()
