"""An admin builds an automation rule in the settings area (the condition and action rows
follow what is chosen, by htmx), a new ticket matches it, and the ticket's timeline names
the rule; the rule pages fit a phone."""

from __future__ import annotations

from typing import Any

import pytest

from loket.rules.models import Rule
from loket.tickets import actions
from loket.tickets.models import Channel, Priority
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_creates_a_rule_in_settings_and_sees_it_fire(
    browser: Any, live_server: Any, desk: Desk
) -> None:
    page = browser.new_context(locale="en-GB").new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, desk.admin.email)
    # given the settings area, with the rules under "Desk"
    page.goto(live_server.url + "/desk/settings/")
    page.click("[data-section=automation_rules] a")
    page.wait_for_url("**/desk/rules/")
    page.click("#new-rule")
    page.wait_for_selector("#rule-form")
    # when she names the rule, picks "Subject contains refund" and "Set priority: Urgent"
    page.fill("#rule-name", "Refunds are urgent")
    with page.expect_response(lambda r: "/row/condition/" in r.url):
        page.select_option("select[name=c-0-property]", "subject")
    page.wait_for_selector("input[name=c-0-value]")
    page.select_option("select[name=c-0-op]", "contains")
    page.fill("input[name=c-0-value]", "refund")
    with page.expect_response(lambda r: "/row/action/" in r.url):
        page.select_option("select[name=a-0-kind]", "priority")
    page.wait_for_selector("select[name=a-0-value]")
    page.select_option("select[name=a-0-value]", str(Priority.URGENT))
    page.click("#save-rule")
    page.wait_for_selector("#rules [data-rule]")
    rule = Rule.objects.get()
    assert rule.enabled and rule.triggers == ["created"]
    # then a customer's ticket about a refund becomes urgent, and its timeline says why
    ticket = actions.create_ticket(subject="Refund please", body="I paid twice",
                                   customer=desk.acme_alice, channel=Channel.WEB,
                                   by=desk.acme_alice)  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    page.get_by_text("applied rule “Refunds are urgent”").first.wait_for()
    # and the firing log shows it
    page.goto(live_server.url + "/desk/rules/log/")
    page.wait_for_selector("#firings [data-firing][data-ok='1']")
    assert errors == []


@pytest.mark.parametrize("width", [390])
def test_rule_pages_fit_a_phone(browser: Any, live_server: Any, desk: Desk, width: int) -> None:
    from tests.rules.helpers import act, cond, make_rule

    rule = make_rule(
        desk.admin,
        "A rule with a rather long name to wrap on a phone",
        conditions=[cond("text", "contains", "uitbetaling, payout, factuur")],
        effects=[act("team", desk.second_line.pk), act("add_tags", "payout")],
    )
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="nl-NL")
    page = context.new_page()
    sign_in(page, live_server.url, desk.admin.email)
    for path in ("/desk/rules/", "/desk/rules/new/", f"/desk/rules/{rule.pk}/",
                 f"/desk/rules/{rule.pk}/test/", "/desk/rules/log/"):  # fmt: skip
        page.goto(live_server.url + path)
        page.wait_for_selector("main h1")
        assert not page.evaluate(OVERFLOW), (path, _wide_elements(page))
