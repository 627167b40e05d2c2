"""An agent picks tickets in the inbox and assigns them to herself in one go."""

from __future__ import annotations

from typing import Any

import pytest

from loket.tickets import actions
from loket.tickets.models import Channel, Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_pick_and_assign_from_the_inbox(browser: Any, live_server: Any, desk: Desk) -> None:
    made = [
        actions.create_ticket(
            subject=f"Counter broken {i}", body="Help.", customer=desk.acme_alice,
            channel=Channel.WEB, by=desk.acme_alice,
        )
        for i in range(3)
    ]  # fmt: skip
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.agent.email)
    page.goto(live_server.url + "/desk/?view=all")
    bar = page.locator("[data-bulk]")
    assert bar.is_hidden()  # nothing picked yet
    page.check(f"input.pick[value='{made[0].pk}']")
    page.check(f"input.pick[value='{made[2].pk}']")
    assert bar.is_visible()
    page.select_option("[data-bulk-op]", "assign_me")
    assert page.locator("[data-bulk-for=assign]").is_hidden()
    with page.expect_response(lambda r: "/desk/tickets/bulk/" in r.url):
        page.click("[data-bulk] button[type=submit]")
    page.wait_for_selector("text=2 of 2 tickets changed.")
    assert errors == []
    assignees = {t.pk: t.assignee_id for t in Ticket.objects.filter(pk__in=[m.pk for m in made])}
    assert assignees == {made[0].pk: desk.agent.pk, made[1].pk: None, made[2].pk: desk.agent.pk}
