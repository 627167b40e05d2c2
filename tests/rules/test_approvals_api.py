"""Approvals through the API and the desk pages, and who may do what: only approvers of the
current step decide; customers and other agents cannot (404 when they cannot see it, 403
when they can); a decided approval is 409."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.rules.models_approvals import Approval, ApprovalStatus, StepStatus
from loket.tickets.models import EventKind, State
from tests.rules.approvals_helpers import STEP, run_tasks, two_steps


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = "http://testserver"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_ask_and_decide_through_the_api(desk, acme_ticket, api_as):
    agent = api_as(desk.agent)
    body = {
        "question": "Lower the minimum payout to €50",
        "steps": [{"people": [desk.tech.pk]}, {"role": "manager"}],
        "tell_customer": False,
        "wait": True,
    }
    made = agent.post(f"/tickets/{acme_ticket.pk}/approvals", body)
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["status"] == "pending" and [s["status"] for s in data["steps"]] == [
        "pending",
        "waiting",
    ]
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.WAITING_THIRD_PARTY
    listed = agent.get(f"/tickets/{acme_ticket.pk}/approvals").json()
    assert [a["id"] for a in listed] == [data["id"]]
    # the manager is not step 1's approver: they see it (their role is in step 2), may not decide
    early = api_as(desk.manager).post(f"/approvals/{data['id']}/decision", {"decision": "approve"})
    assert early.status_code == 403 and early.json()["code"] == "not_approver"
    # the tech approves step 1, the manager step 2
    one = api_as(desk.tech).post(
        f"/approvals/{data['id']}/decision", {"decision": "approve", "comment": "ok"}
    )
    assert one.status_code == 200 and one.json()["steps"][0]["decided_by"] == desk.tech.pk
    two = api_as(desk.manager).post(f"/approvals/{data['id']}/decision", {"decision": "reject"})
    assert two.status_code == 200 and two.json()["status"] == "rejected"
    # decided: a second decision is refused, nothing changes
    again = api_as(desk.manager).post(f"/approvals/{data['id']}/decision", {"decision": "approve"})
    assert again.status_code == 409
    assert acme_ticket.events.filter(kind=EventKind.APPROVAL_STEP).count() == 2
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.OPEN


def test_api_refuses_bad_input_and_the_wrong_people(desk, acme_ticket, api_as):
    agent = api_as(desk.agent)
    url = f"/tickets/{acme_ticket.pk}/approvals"
    customer_as_approver = agent.post(
        url, {"question": "x", "steps": [{"people": [desk.acme_alice.pk]}]}
    )
    assert customer_as_approver.status_code == 422
    assert customer_as_approver.json()["field"] == "steps.0.people"
    assert agent.post(url, {"question": "x", "steps": []}).status_code == 422
    assert agent.post(url, {"question": "x", "steps": [{"role": "boss"}]}).status_code == 422
    assert agent.post(url, {"question": "x", "steps": [{}]}).status_code == 422
    assert not Approval.objects.exists()
    # a customer can neither ask nor list nor decide
    alice = api_as(desk.acme_alice)
    assert alice.post(url, {"question": "x", "steps": [{"role": "manager"}]}).status_code == 403
    assert alice.get(url).status_code == 403
    approval = two_steps(desk, acme_ticket)
    decided = alice.post(f"/approvals/{approval.pk}/decision", {"decision": "approve"})
    assert decided.status_code in (403, 404)
    # an agent who cannot see the ticket and is no approver: not found
    outsider = api_as(desk.admin)
    desk.admin.role = "agent"
    desk.admin.save()
    assert (
        outsider.post(f"/approvals/{approval.pk}/decision", {"decision": "approve"}).status_code
        == 404
    )
    # the asking agent sees it but cannot approve their own request
    own = agent.post(f"/approvals/{approval.pk}/decision", {"decision": "approve"})
    assert own.status_code == 403
    assert approval.steps.get(number=1).status == StepStatus.PENDING
    # the asking agent may withdraw it
    gone = agent.post(f"/approvals/{approval.pk}/withdraw")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"


def test_desk_pages_ask_show_and_decide(desk, acme_ticket, mta):
    agent = signed_in(desk.agent)
    # the ticket page offers to ask
    page = agent.get(f"/desk/tickets/{acme_ticket.pk}/")
    assert page.status_code == 200 and b'id="ask-approval"' in page.content
    form = agent.get(f"/desk/approvals/ask/{acme_ticket.pk}/")
    assert form.status_code == 200
    # a step without approvers is refused with the reason, nothing made
    empty = agent.post(f"/desk/approvals/ask/{acme_ticket.pk}/", {"question": "Refund"})
    assert empty.status_code == 200 and b"Name at least one approver" in empty.content
    made = agent.post(
        f"/desk/approvals/ask/{acme_ticket.pk}/",
        {"question": "Refund €20", "step1_people": [desk.tech.pk], "step2_role": "manager"},
    )
    assert made.status_code == 302
    approval = Approval.objects.get()
    assert approval.steps.count() == 2
    # the ticket page and the inbox show it is waiting for approval
    page = agent.get(f"/desk/tickets/{acme_ticket.pk}/")
    assert b"data-approval-pending" in page.content and b"Waiting for approval" in page.content
    inbox = agent.get("/desk/")
    assert b"data-approval-pending" in inbox.content
    run_tasks(STEP)
    # the tech (second line, cannot open the first-line ticket) has it in their list
    tech = signed_in(desk.tech)
    mine = tech.get("/desk/approvals/")
    assert mine.status_code == 200 and f'data-approval="{approval.pk}"'.encode() in mine.content
    detail = tech.get(f"/desk/approvals/{approval.pk}/")
    assert detail.status_code == 200 and b'id="decide-form"' in detail.content
    # the manager opens it (step 2 is theirs), but cannot decide step 1 yet
    manager = signed_in(desk.manager)
    seen = manager.get(f"/desk/approvals/{approval.pk}/")
    assert seen.status_code == 200 and b'id="decide-form"' not in seen.content
    refused = manager.post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"})
    assert refused.status_code == 403
    assert approval.steps.get(number=1).status == StepStatus.PENDING
    # a customer is sent to the portal, never sees it
    alice = signed_in(desk.acme_alice)
    assert alice.get(f"/desk/approvals/{approval.pk}/").status_code == 302
    # the tech decides in the desk; then the manager
    assert tech.post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"}).status_code == 302
    assert (
        manager.post(
            f"/desk/approvals/{approval.pk}/", {"decision": "approve", "comment": "go"}
        ).status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    # the timeline tells each step
    page = agent.get(f"/desk/tickets/{acme_ticket.pk}/")
    assert b"asked for approval" in page.content and b"approved step 2" in page.content
    assert b"data-approval-pending" not in page.content
    assert b"data-nav-approvals" in signed_in(desk.agent).get("/desk/").content
