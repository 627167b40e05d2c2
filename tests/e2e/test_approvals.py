"""In the browser: an agent asks for approval from the ticket page, the approver decides on
the desk's approvals page, and the ticket shows the outcome; the pages fit a phone."""

from __future__ import annotations

from typing import Any

import pytest

from loket.rules.models_approvals import Approval, ApprovalStatus
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.e2e.test_answer_flow import sign_in
from tests.e2e.test_widths import OVERFLOW, _wide_elements

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_agent_asks_and_approver_approves_in_the_browser(
    browser: Any, live_server: Any, desk: Desk, acme_ticket: Ticket
) -> None:
    base = live_server.url
    errors: list[str] = []
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 800})
    agent = context.new_page()
    agent.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(agent, base, desk.agent.email)
    # given the ticket page, the agent asks for approval
    agent.goto(f"{base}/desk/tickets/{acme_ticket.pk}/")
    agent.click("#ask-approval")
    agent.wait_for_selector("#ask-form")
    assert not agent.evaluate(OVERFLOW), _wide_elements(agent)
    agent.fill("#id_question", "Lower the minimum payout to €50")
    agent.select_option("#id_step1_people", [str(desk.tech.pk)])
    agent.check("#id_tell_customer")
    agent.click("#ask-form button[type=submit]")
    agent.wait_for_selector("#approval-status[data-status=pending]")
    assert not agent.evaluate(OVERFLOW), _wide_elements(agent)
    # then the ticket shows it waits for approval
    agent.goto(f"{base}/desk/tickets/{acme_ticket.pk}/")
    agent.wait_for_selector("#ticket-head [data-approval-pending]")

    # when the approver finds it on their approvals page and approves it
    other = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 800})
    tech = other.new_page()
    tech.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(tech, base, desk.tech.email)
    tech.goto(f"{base}/desk/approvals/")
    tech.wait_for_selector("#approvals-pending [data-approval]")
    assert not tech.evaluate(OVERFLOW), _wide_elements(tech)
    tech.click("#approvals-pending [data-approval] a")
    tech.wait_for_selector("#decide-form")
    tech.select_option("#id_decision", "approve")
    tech.fill("#id_comment", "Fine for this partner")
    tech.click("#decide-form button[type=submit]")
    tech.wait_for_selector("#approval-status[data-status=approved]")
    # then the approval is done, and the asking agent's ticket page no longer waits
    assert Approval.objects.get().status == ApprovalStatus.APPROVED
    agent.goto(f"{base}/desk/tickets/{acme_ticket.pk}/")
    agent.wait_for_selector("#approval-panel")
    assert agent.locator("#ticket-head [data-approval-pending]").count() == 0
    assert "approved step 1" in agent.content()
    assert errors == []
    context.close()
    other.close()
