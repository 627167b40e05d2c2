"""The knowledge-base categories, monitor, status-page and notification-defaults pages fit a
phone (390 px) and a laptop (1366 px) without sideways scrolling; on the phone a manager
takes a monitor off the public status page and renames another, and the page follows."""

from __future__ import annotations

from typing import Any

import pytest

from loket.accounts.models import AuditEntry
from loket.kb.models import Category, CategoryName
from loket.monitor.models import Kind, Monitor
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import assert_settings_pages_fit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _objects() -> tuple[Category, Monitor, Monitor]:
    category = Category.objects.create(slug="betalen-en-facturen-met-een-lange-naam")
    CategoryName.objects.create(
        category=category, language="nl", name="Betalen, facturen en terugbetalingsverzoeken"
    )
    child = Category.objects.create(slug="creditcards", parent=category)
    CategoryName.objects.create(category=child, language="en", name="Credit cards")
    shop = Monitor.objects.create(
        name="Webwinkel productieomgeving met een lange naam",
        target="https://www.een-heel-lange-domeinnaam-voor-een-webwinkel.example/bestellen/status",
        component="Webwinkel",
    )
    beat = Monitor.objects.create(name="Nachtelijke back-up", kind=Kind.PUSH, component="Intern")
    return category, shop, beat


@pytest.mark.parametrize("width", [390, 1366])
def test_the_new_settings_pages_fit_the_screen(
    browser: Any, live_server: Any, desk: Desk, width: int
) -> None:
    category, shop, beat = _objects()
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.manager.email)
    page.goto(live_server.url + "/desk/settings/")
    for key in ("kb_categories", "monitor_settings", "status_page", "notify_defaults"):
        assert page.locator(f'[data-section="{key}"] a').count() == 1, key
    paths = [
        "/desk/settings/kb-categories/", "/desk/settings/kb-categories/new/",
        f"/desk/settings/kb-categories/{category.pk}/", "/desk/settings/monitors/",
        "/desk/settings/monitors/new/", f"/desk/settings/monitors/{shop.pk}/",
        f"/desk/settings/monitors/{beat.pk}/", "/desk/settings/status-page/",
        "/desk/settings/notification-defaults/", "/status/monitors/",
    ]  # fmt: skip
    assert_settings_pages_fit(page, live_server.url, paths, width)
    context.close()


def test_a_manager_arranges_the_status_page_on_a_phone(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    _category, shop, beat = _objects()
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, desk.manager.email)
    page.goto(live_server.url + "/desk/settings/status-page/")
    shop_row = page.locator(f'fieldset[data-monitor="{shop.pk}"]')
    beat_row = page.locator(f'fieldset[data-monitor="{beat.pk}"]')
    shop_row.locator('input[name$="-public_name_en"]').fill("Web shop")
    beat_row.locator('input[name$="-public"]').uncheck()
    page.click("#settings-form button[type=submit]")
    page.locator(".flash li.success").wait_for()
    status = context.new_page()
    status.goto(live_server.url + "/status/")
    status.locator("#status-summary").wait_for()
    shown = status.locator("main").inner_text()
    assert "Web shop" in shown
    assert "Nachtelijke back-up" not in shown and "Webwinkel productieomgeving" not in shown
    assert AuditEntry.objects.filter(data__section="status_page", actor=desk.manager).count() == 2
    context.close()
