"""Issue 15: an admin builds a request type in the settings area and a customer of the right
organisation kind submits it from the portal; every page fits a phone and a laptop."""

from __future__ import annotations

import re
from typing import Any

import pytest

from loket.rules.kinds import set_kind
from loket.rules.models_types import FieldValue, OrganisationKind, RequestType, TicketRequest
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _fits(page: Any, where: str) -> None:
    assert not page.evaluate(OVERFLOW), f"{where} is wider than the screen"


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_builds_a_request_type_in_settings_and_submits_it_from_the_portal(
    browser: Any, live_server: Any, desk: Desk, width: int, height: int
) -> None:
    base = live_server.url
    site_owner = OrganisationKind.objects.create(
        key="site-owner", names={"en": "Site owner", "nl": "Site-eigenaar"}
    )
    set_kind(desk.globex, site_owner)
    errors: list[str] = []
    viewport = {"width": width, "height": height}

    # given an admin in the settings area
    admin = browser.new_context(locale="en-GB", viewport=viewport).new_page()
    admin.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(admin, base, desk.admin.email)
    admin.goto(base + "/desk/settings/")
    admin.click("main >> text=Request types and fields")
    admin.wait_for_selector("h1:has-text('Request types')")
    _fits(admin, "the list of types")
    # when they make "Banner change" for site owners
    admin.click("#new-type")
    admin.wait_for_selector("#settings-form")
    admin.fill("#id_key", "banner-change")
    admin.fill("#id_names_en", "Banner change")
    admin.fill("#id_names_nl", "Banner wijzigen")
    admin.check("#settings-form label:has-text('Site owner') input")
    _fits(admin, "the type form")
    admin.click("#settings-form button[type=submit]")
    admin.wait_for_selector("#type-fields")
    # and give it a required web address and a select with two positions
    admin.click("#add-field")
    admin.wait_for_selector("#id_field_type")
    admin.fill("#id_key", "site")
    admin.select_option("#id_field_type", "url")
    admin.check("#id_required")
    admin.fill("#id_labels_en", "Site address")
    admin.fill("#id_labels_nl", "Adres van de site")
    admin.fill("#id_order", "1")
    _fits(admin, "the field form")
    admin.click("#settings-form button[type=submit]")
    admin.wait_for_selector("#type-fields tr[data-field=site]")
    admin.click("#add-field")
    admin.wait_for_selector("#id_field_type")
    admin.fill("#id_key", "position")
    admin.select_option("#id_field_type", "select")
    admin.check("#id_required")
    admin.fill("#id_labels_en", "Position")
    admin.fill("#id_order", "2")
    admin.fill("#id_options_text", "top | Top | Boven\nside | Side | Zijkant")
    admin.click("#settings-form button[type=submit]")
    admin.wait_for_selector("#type-fields tr[data-field=position]")
    _fits(admin, "the type with its fields")

    # then a site owner finds it on the portal's new-question page
    carol = browser.new_context(locale="en-GB", viewport=viewport).new_page()
    carol.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(carol, base, desk.globex_carol.email)
    carol.goto(base + "/portal/new/")
    carol.click("#request-types >> text=Banner change")
    carol.wait_for_selector("#chosen-type:has-text('Banner change')")
    _fits(carol, "the portal form")
    carol.fill("#id_subject", "New summer banner")
    carol.fill("#id_body", "Please put the summer banner up.")
    # a wrong address is refused on the page, naming the field
    carol.fill("#id_cf_site", "globex dot test")
    carol.select_option("#id_cf_position", "side")
    carol.evaluate("document.querySelector('#new-question').noValidate = true")
    carol.click("#new-question button[type=submit]")
    carol.wait_for_selector("text=Enter a web address")
    assert not Ticket.objects.exists()
    carol.fill("#id_cf_site", "https://globex.test/")
    carol.click("#new-question button[type=submit]")
    carol.wait_for_url(re.compile(r"/portal/tickets/\d+/"))
    ticket = Ticket.objects.get()
    assert TicketRequest.objects.get(ticket=ticket).request_type.key == "banner-change"
    assert {v.field.key: v.value for v in FieldValue.objects.filter(ticket=ticket)} == {
        "site": "https://globex.test/",
        "position": "side",
    }
    # and the agent's ticket page shows the fields
    admin.goto(f"{base}/desk/tickets/{ticket.pk}/")
    panel = admin.locator("#request-fields")
    panel.wait_for()
    assert "https://globex.test/" in panel.inner_text() and "Side" in panel.inner_text()
    _fits(admin, "the ticket page")

    # a partner (Acme, no kind of theirs) is not offered the type
    alice = browser.new_context(locale="en-GB", viewport=viewport).new_page()
    sign_in(alice, base, desk.acme_alice.email)
    alice.goto(base + "/portal/new/")
    alice.wait_for_selector("h1")
    assert "Banner change" not in alice.content()
    assert errors == []


@pytest.mark.parametrize("width", [390, 1366])
def test_request_type_pages_fit_the_screen(
    browser: Any, live_server: Any, desk: Desk, width: int
) -> None:
    from loket.rules import demo_types

    demo_types.seed()
    base = live_server.url
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, base, desk.admin.email)
    banner = RequestType.objects.get(key="banner-change")
    partner = OrganisationKind.objects.get(key="partner")
    paths = [
        "/desk/?view=all&type=banner-change&field=site%3Dglobex",
        "/desk/request-types/",
        f"/desk/request-types/{banner.pk}/",
        f"/desk/request-types/{banner.pk}/fields/new/",
        "/desk/request-types/kinds/",
        f"/desk/request-types/kinds/{partner.pk}/",
        "/desk/request-types/ticket/new/?type=banner-change",
    ]
    for path in paths:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        _fits(page, f"{path} at {width}")
    visitor = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    visitor.goto(base + "/contact/?type=hosting-problem")
    visitor.wait_for_selector("#chosen-type")
    _fits(visitor, f"the contact form at {width}")
    context.close()
