"""The agent's badge of unread SLA notifications: visible, explained, and cleared by a click."""

from __future__ import annotations

from typing import Any

import pytest

from loket.sla.models import Notification, NotificationKind
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_unread_notifications_show_in_the_header_and_a_click_marks_them_read(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    # given two unread notifications for an agent (and one for a colleague)
    for text in ("SLA warning on #1", "SLA breach on #2"):
        Notification.objects.create(
            recipient=desk.agent, kind=NotificationKind.SLA_WARNING, text=text
        )
    Notification.objects.create(recipient=desk.tech, kind=NotificationKind.SLA_BREACH, text="x")
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # when she opens the desk
    sign_in(page, live_server.url, desk.agent.email)
    badge = page.locator("header [data-sla-unread]")
    badge.wait_for(state="visible")
    # then the header shows the count with what it means
    assert badge.inner_text().strip().endswith("2")
    assert "notifications" in (badge.get_attribute("title") or "")
    # and a click marks hers read, not the colleague's, and hides the badge
    badge.click()
    badge.wait_for(state="hidden")
    assert not Notification.objects.filter(recipient=desk.agent, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=desk.tech, read_at__isnull=True).count() == 1
    assert errors == []
