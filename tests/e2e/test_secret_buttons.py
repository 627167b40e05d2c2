"""In the browser: an admin reveals a masked password on the ticket page (recorded on the
timeline), then removes it for good; at 390 px and in Dutch, without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest

from loket.assist.models import HiddenSecrets
from loket.tickets import actions
from loket.tickets.models import Channel, Event, EventKind
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "Zomer2024x"


@pytest.mark.parametrize(("width", "locale"), [(390, "nl-NL"), (1366, "en-GB")])
def test_reveal_and_redact_on_the_ticket_page(
    browser: Any, live_server: Any, desk: Desk, width: int, locale: str
) -> None:
    # Given a customer message with a password in it
    ticket = actions.create_ticket(
        subject="Inloggen lukt niet",
        body=f"Mijn wachtwoord is {SECRET}, kaart 4111 1111 1111 1111.",
        customer=desk.acme_alice, channel=Channel.WEB, by=desk.acme_alice,
    )  # fmt: skip
    message = ticket.messages.get()
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    sign_in(page, live_server.url, desk.admin.email)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    panel = page.locator(f"[data-hidden-secrets='{message.pk}']")
    panel.wait_for()
    # the admin sees it masked, with the kinds named, and the page fits
    assert SECRET not in page.content() and "•••• •••• •••• 1111" in page.inner_text("body")
    assert not page.evaluate(OVERFLOW), _wide_elements(page)

    # when she reveals it
    panel.locator("[data-reveal-secrets]").click()
    page.wait_for_selector(f"[data-revealed='{message.pk}']")
    # then she reads the original, and the reading is on the ticket
    assert SECRET in page.inner_text(f"[data-revealed='{message.pk}']")
    assert not page.evaluate(OVERFLOW), _wide_elements(page)
    assert Event.objects.filter(kind=EventKind.SECRET_REVEALED, actor=desk.admin).count() == 1

    # when she removes it for good (after confirming)
    page.click("main form [data-redact-secrets]")
    page.wait_for_url(f"**/desk/tickets/{ticket.pk}/**")
    page.wait_for_selector(".flash li.success")
    # then the ticket page shows no secret and no buttons; nothing can be revealed any more
    assert len(dialogs) == 1
    assert SECRET not in page.content() and "4111" not in page.inner_text("body")
    assert page.locator("[data-hidden-secrets]").count() == 0
    assert not HiddenSecrets.objects.exists()
    assert Event.objects.filter(kind=EventKind.SECRET_REDACTED, actor=desk.admin).count() == 1
    # and the audit page lists both, fitting the screen
    page.goto(f"{live_server.url}/desk/secrets/")
    assert page.locator("[data-secret-event]").count() == 2
    assert not page.evaluate(OVERFLOW), _wide_elements(page)
    assert errors == []
    context.close()
