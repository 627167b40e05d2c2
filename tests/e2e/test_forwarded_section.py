"""A customer's note above a forwarded mail, on the agent's ticket page in a real browser: the
forwarded mail is its own section (open, foldable) with its header lines, and the page fits a
phone (390 px) and a laptop (1366 px)."""

from __future__ import annotations

from typing import Any

import pytest

from loket.mail.ingest import ingest
from loket.mail.models import Mailbox
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements
from tests.mail.conftest import build

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FORWARDED = (
    "---------- Doorgestuurd bericht ---------\nVan: Bank <info@bank.test>\n"
    "Datum: di 5 mrt 2024 om 09:00\nOnderwerp: Betaling mislukt\nAan: <alice@acme.test>\n\n"
    "Uw betaling van EUR 120 aan https://www.example.test/een/heel/lange/link/die/niet/past"
    "/op/een/telefoon/zonder/af/te/breken is mislukt.\n\nBank"
)


@pytest.mark.parametrize("width", [390, 1366])
def test_the_forwarded_mail_is_a_foldable_section_that_fits_the_screen(
    browser: Any, live_server: Any, desk: Desk, settings: Any, tmp_path: Any, width: int
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
        },
    }
    # given a customer's note above a mail they forwarded to the desk
    mailbox = Mailbox.objects.create(name="support", address="support@loket.test")
    raw = build(
        sender="Alice <alice@acme.test>",
        subject="Fwd: Betaling mislukt",
        body=f"Kunnen jullie hiernaar kijken?\n\n{FORWARDED}\n",
        message_id="<fwd-e2e@acme.test>",
    )
    ticket = ingest(raw, mailbox).ticket
    assert ticket is not None
    # when an agent reading Dutch opens the ticket
    desk.agent.language = "nl"
    desk.agent.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    section = page.locator("details.forwarded")
    section.wait_for()
    # then the note is the message's text, and the forward a section of its own below it,
    # open, with the forwarded mail's header lines and text
    message = page.locator("article.msg.customer")
    assert message.locator("> .body").inner_text() == "Kunnen jullie hiernaar kijken?"
    assert section.locator("summary").inner_text() == "Doorgestuurd bericht"
    head = section.locator("dl.forwarded-head")
    assert head.locator("dt").all_inner_texts() == ["Van", "Datum", "Aan", "Onderwerp"]
    assert "Betaling mislukt" in head.inner_text()
    text = section.locator(".body")
    assert text.is_visible() and "is mislukt." in text.inner_text()
    assert not page.evaluate(OVERFLOW), (width, _wide_elements(page))
    # and it folds away and opens again
    section.locator("summary").click()
    text.wait_for(state="hidden")
    assert section.locator("summary").is_visible()
    section.locator("summary").click()
    text.wait_for(state="visible")
    context.close()
