"""The desk's organisation page in headless Chromium, on a laptop and on a phone: a manager
finds it from the navigation, switches joining by domain, and invites someone."""

from __future__ import annotations

from typing import Any

import pytest

from loket.accounts.models import AuditEntry, Invitation, Organisation
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_manager_switches_joining_by_domain_and_invites(
    browser: Any, live_server: Any, desk: Desk, width: int, height: int
) -> None:
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.manager.email)
    # when the manager opens Organisations from the desk's navigation, and then Acme
    page.click("header nav summary")
    page.click("header nav >> text=Organisations")
    page.wait_for_selector("h1:has-text('Organisations')")
    assert page.evaluate(OVERFLOW) <= 0, "the list is wider than the screen"
    page.click("main >> text=Acme")
    page.wait_for_selector("h1:has-text('Acme')")
    members = page.locator("#members")
    assert desk.acme_alice.email in members.inner_text()
    assert "acme.test" in page.locator("#joining").inner_text()
    assert page.evaluate(OVERFLOW) <= 0, "the organisation page is wider than the screen"
    # and switches joining by domain on
    page.click("#joining >> text=Switch on")
    page.wait_for_selector("#joining >> text=Switch off")
    assert "joining by e-mail domain on" in page.locator("main").inner_text()
    # and invites someone by e-mail
    address = f"new.colleague.{width}@acme.test"
    page.fill("#invite-form input[name=email]", address)
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector(f"#invitations >> text={address}")
    assert page.evaluate(OVERFLOW) <= 0
    assert errors == []  # no CSP violations or script errors
    # then both are stored and audited
    assert Organisation.objects.get(pk=desk.acme.pk).auto_join is True
    assert Invitation.objects.filter(email=address, organisation=desk.acme).exists()
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "organisation_auto_join",
        "organisation_invited",
    }
    context.close()
