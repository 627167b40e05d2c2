"""The settings pages fit a phone (390 px) and a laptop (1366 px) without sideways scrolling,
and a manager changes the opening hours in the week grid with a tap."""

from __future__ import annotations

from typing import Any

import pytest

from loket.accounts.models import AuditEntry
from loket.mail.models import Mailbox
from loket.sla.models import BusinessCalendar, Policy, Target
from loket.tickets.models import Priority
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import assert_settings_pages_fit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _settings_objects() -> tuple[Mailbox, BusinessCalendar, Policy]:
    mailbox = Mailbox.objects.create(
        name="Support with a rather long name for a phone",
        address="support-and-a-long-local-part@example-company-with-long-domain.test",
        host="imap.example-company-with-long-domain.test",
        username="support",
        last_error="OSError: Cannot connect: the server did not answer in time (a long error).",
    )
    calendar = BusinessCalendar.objects.create(
        name="Office",
        spec={"tz": "Europe/Amsterdam", "week": {"mon": [["09:00", "17:00"]]}, "country": "NL"},
    )
    policy = Policy.objects.create(name="Standard", calendar=calendar)
    Target.objects.create(
        policy=policy, priority=Priority.URGENT, first_response_minutes=30,
        next_response_minutes=120, resolution_minutes=2880,
    )  # fmt: skip
    return mailbox, calendar, policy


@pytest.mark.parametrize("width", [390, 1366])
def test_settings_pages_fit_the_screen(
    browser: Any, live_server: Any, desk: Desk, width: int
) -> None:
    mailbox, calendar, policy = _settings_objects()
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    paths = [
        "/desk/settings/", "/desk/settings/mailboxes/", f"/desk/settings/mailboxes/{mailbox.pk}/",
        "/desk/settings/teams/", f"/desk/settings/teams/{desk.first_line.pk}/",
        "/desk/settings/agents/", f"/desk/settings/agents/{desk.agent.pk}/",
        "/desk/settings/agents/invite/", "/desk/settings/sla/", f"/desk/settings/sla/{policy.pk}/",
        "/desk/settings/calendars/", f"/desk/settings/calendars/{calendar.pk}/",
        "/desk/settings/branding/", "/desk/settings/security/", "/desk/settings/retention/",
        "/desk/settings/audit/", "/desk/settings/canned-replies/",
        "/desk/settings/canned-replies/new/",
    ]  # fmt: skip
    assert_settings_pages_fit(page, live_server.url, paths, width)
    context.close()


def test_a_manager_opens_the_desk_on_friday_afternoon_in_the_grid(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    _mailbox, calendar, _policy = _settings_objects()
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server.url, desk.manager.email)
    page.goto(f"{live_server.url}/desk/settings/calendars/{calendar.pk}/")
    page.check('input[name="h-4-14"]')
    page.check('input[name="h-4-15"]')
    page.uncheck('input[name="h-0-9"]')
    page.click("#settings-form button[type=submit]")
    page.locator(".flash li.success").wait_for()
    calendar.refresh_from_db()
    assert calendar.spec["week"] == {"mon": [["10:00", "17:00"]], "fri": [["14:00", "16:00"]]}
    assert AuditEntry.objects.filter(actor=desk.manager, data__section="calendars").exists()
    context.close()
