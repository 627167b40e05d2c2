"""The public status page in headless Chromium: it renders, with no script or CSP errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from loket.accounts.models import Team, Tier
from loket.monitor import rollup
from loket.monitor.models import CheckResult, Incident, Monitor, Outcome, Status
from loket.tickets import actions
from loket.tickets.models import Channel

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_status_page_in_a_real_browser(browser: Any, live_server: Any) -> None:
    # (a browser test runs after the transactional tests, which may have emptied the teams
    # that a migration made)
    Team.objects.get_or_create(
        tier=Tier.FIRST_LINE, is_default_for_tier=True, defaults={"name": "First line"}
    )
    # given one service up and one down with an open incident, and some history
    up = Monitor.objects.create(name="Help centre", target="http://a.example/", status=Status.UP)
    down = Monitor.objects.create(name="Webshop", target="http://b.example/", status=Status.DOWN)
    now = int(timezone.now().timestamp())
    CheckResult.objects.bulk_create(
        CheckResult(monitor=m, at=now - 30 * i, outcome=Outcome.UP) for m in (up, down)
        for i in range(10)
    )  # fmt: skip
    rollup.roll_up_all()
    ticket = actions.create_ticket(
        subject="Down: Webshop", body="details", customer=None, channel=Channel.MONITOR, by=None
    )
    Incident.objects.create(monitor=down, ticket=ticket, problem="unreachable")
    errors: list[str] = []
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # when a visitor opens the status page
    page.goto(live_server.url + "/status/")
    # then the summary, the incident and both services with their uptime bars are shown
    assert "Some services have problems." in page.inner_text("#status-summary")
    assert page.locator(".incident.open h3").inner_text() == "Webshop is unavailable"
    assert page.locator(".monitor-row").count() == 2
    assert page.locator(".monitor-row svg rect.bar").count() == 180
    assert page.locator(".monitor-row svg rect.bar.good").count() == 2
    # and the stylesheet applied (the bars are coloured, not black)
    fill = page.eval_on_selector("rect.bar.good", "el => getComputedStyle(el).fill")
    assert fill == "rgb(23, 178, 106)"
    assert errors == []
    context.close()
