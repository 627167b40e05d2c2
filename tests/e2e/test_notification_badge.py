"""The agent's badge of unread notifications links to the notification centre, where they
are marked read (one, or all); the page fits a phone and a laptop."""

from __future__ import annotations

from typing import Any

import pytest

from loket.sla.models import Notification, NotificationKind
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_badge_opens_the_notification_centre_where_they_are_marked_read(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket
) -> None:
    # given three unread notifications for an agent, two about one ticket (and one for a
    # colleague)
    for text in ("SLA warning on the banner", "The customer answered"):
        Notification.objects.create(
            recipient=desk.agent, kind=NotificationKind.SLA_WARNING, text=text, ticket=acme_ticket
        )
    loose = Notification.objects.create(
        recipient=desk.agent, kind=NotificationKind.SHIFT_SWAP, text="Bram asks you to swap"
    )
    Notification.objects.create(recipient=desk.tech, kind=NotificationKind.SLA_BREACH, text="x")
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # when she opens the desk, the header shows the count with what it means
    sign_in(page, live_server.url, desk.agent.email)
    badge = page.locator("header [data-sla-unread]")
    badge.wait_for(state="visible")
    assert badge.inner_text().strip().endswith("3")
    assert "notifications" in (badge.get_attribute("title") or "")
    # and a click opens the centre: the ticket's two together, the loose one on its own
    badge.click()
    page.wait_for_url("**/desk/notifications/")
    group = page.locator(f'[data-group="{acme_ticket.pk}"]')
    group.locator("li").nth(1).wait_for()
    assert group.locator("li").count() == 2
    # marking one read (htmx) moves it down and the badge counts two
    page.locator(f'[data-notification="{loose.pk}"] [data-mark-read]').click()
    page.locator("[data-unread-total='2']").wait_for()
    page.locator("header [data-sla-unread] [data-count]", has_text="2").wait_for()
    assert Notification.objects.get(pk=loose.pk).read_at is not None
    # and "mark all read" clears hers, not the colleague's, and hides the badge
    page.locator("[data-read-all]").click()
    page.locator("[data-none-unread]").wait_for()
    badge.wait_for(state="hidden")
    assert not Notification.objects.filter(recipient=desk.agent, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=desk.tech, read_at__isnull=True).count() == 1
    assert errors == []


@pytest.mark.parametrize("width", [390, 1366])
def test_the_notification_centre_fits_the_screen(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket, width: int
) -> None:
    long_word = "Onderhoudswerkzaamhedenaankondigingsmailverzending" * 2
    for i in range(4):
        Notification.objects.create(
            recipient=desk.agent, kind=NotificationKind.MENTION, ticket=acme_ticket,
            text=f"#{acme_ticket.pk} {long_word}: Sanne Jansen mentioned you in a note ({i})",
        )  # fmt: skip
    Notification.objects.create(recipient=desk.agent, kind=NotificationKind.WEBHOOK, text="x")
    desk.agent.language = "nl"  # a Dutch agent
    desk.agent.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(live_server.url + "/desk/notifications/")
    page.locator("[data-mark-read]").first.wait_for()
    assert not page.evaluate(OVERFLOW), (width, _wide_elements(page))
    assert page.locator("h1").inner_text() == "Meldingen"
    context.close()
