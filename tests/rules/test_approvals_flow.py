"""Approvals end to end: asked on a ticket → notification and mail through a real SMTP
server on loopback → the signed link → the confirm page → the decision, step by step; and
every bad link (replayed, wrong person, decided, withdrawn, tampered, expired) refused with a
clear page and nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from loket.accounts.models import Formality
from loket.rules import approvals
from loket.rules.models_approvals import ApprovalStatus, StepStatus
from loket.sla.models import Notification, NotificationKind
from loket.tickets.models import EventKind, MessageKind, State
from tests.rules.approvals_helpers import OUTCOME, STEP, links, mails_to, run_tasks, two_steps


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = "http://testserver"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(ticket, kind):
    return list(ticket.events.filter(kind=kind).order_by("id"))


def test_two_steps_approved_by_mail_links_and_the_customer_told(desk, acme_ticket, mta):
    # given an agent asks for a two-step approval and to tell the customer, in Dutch, informally
    desk.acme_alice.language, desk.acme_alice.formality = "nl", Formality.INFORMAL
    desk.acme_alice.save()
    approval = two_steps(desk, acme_ticket, tell_customer=True, wait=True)
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.WAITING_THIRD_PARTY
    assert [e.after["approval"] for e in events(acme_ticket, EventKind.APPROVAL_ASKED)] == [
        approval.pk
    ]
    # when the worker runs the notify task: step 1's approver hears of it, nobody else yet
    assert run_tasks(STEP) == 1
    (mail,) = mails_to(mta, "tech@loket.test")
    assert f"#{acme_ticket.pk}" in str(mail["Subject"]) and mail["Auto-Submitted"]
    assert "minimum payout" in mail.get_body(("plain",)).get_content()
    assert mails_to(mta, "manager@loket.test") == []
    assert Notification.objects.get(kind=NotificationKind.APPROVAL).recipient == desk.tech
    link = links(mail)

    # when the approver opens the Approve link: a confirm page, nothing decided
    tech = signed_in(desk.tech)
    page = tech.get(link["Approve"])
    assert page.status_code == 200 and b'data-decision="approve"' in page.content
    step1 = approval.steps.get(number=1)
    assert step1.status == StepStatus.PENDING
    # and confirms with a comment
    done = tech.post(link["Approve"], {"comment": "Fine for this partner"})
    assert done.status_code == 302
    step1.refresh_from_db()
    assert step1.status == StepStatus.APPROVED and step1.decided_by == desk.tech
    assert step1.comment == "Fine for this partner"
    # then step 2 is up: the manager is mailed (one step at a time)
    assert run_tasks(STEP) == 1
    (to_manager,) = mails_to(mta, "manager@loket.test")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING

    # a replay of step 1's link changes nothing
    again = tech.post(link["Approve"], {"comment": "again"})
    assert again.status_code == 409 and b'data-approval-refused="decided"' in again.content
    assert len(events(acme_ticket, EventKind.APPROVAL_STEP)) == 1

    # when the manager approves from the mail: the approval is done
    manager = signed_in(desk.manager)
    second = links(to_manager)
    assert manager.get(second["Approve"]).status_code == 200
    assert manager.post(second["Approve"], {"comment": ""}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.decided_at is not None
    steps = events(acme_ticket, EventKind.APPROVAL_STEP)
    assert [(e.after["step"], e.after["decision"]) for e in steps] == [
        (1, "approved"),
        (2, "approved"),
    ]
    assert [e.after["outcome"] for e in events(acme_ticket, EventKind.APPROVAL_DONE)] == [
        "approved"
    ]
    # then the customer got a public reply in Dutch, informally, from the asking agent
    reply = acme_ticket.messages.filter(kind=MessageKind.REPLY).last()
    assert reply is not None and reply.author == desk.agent
    assert "goedgekeurd" in reply.body and "je" in reply.body.split()
    # the ticket is open again, and the asking agent is notified
    acme_ticket.refresh_from_db()
    assert acme_ticket.state == State.OPEN
    assert run_tasks(OUTCOME) == 1
    assert Notification.objects.filter(recipient=desk.agent, kind=NotificationKind.APPROVAL)
    # the manager's replay of the link: refused, nothing changed
    replay = manager.post(second["Approve"])
    assert replay.status_code == 409
    assert len(events(acme_ticket, EventKind.APPROVAL_DONE)) == 1


def test_rejection_ends_the_approval_and_the_customer_hears_nothing_unless_asked(
    desk, acme_ticket, mta
):
    approval = two_steps(desk, acme_ticket)
    run_tasks(STEP)
    link = links(mails_to(mta, "tech@loket.test")[0])
    tech = signed_in(desk.tech)
    page = tech.get(link["Reject"])
    assert page.status_code == 200 and b'data-decision="reject"' in page.content
    assert tech.post(link["Reject"], {"comment": "Too low"}).status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED
    assert approval.steps.get(number=2).status == StepStatus.CANCELLED
    # step 2 never comes up, no mail to the manager; no public reply (not asked)
    assert run_tasks(STEP) == 0 and mails_to(mta, "manager@loket.test") == []
    assert not acme_ticket.messages.filter(kind=MessageKind.REPLY).exists()
    assert [e.after["outcome"] for e in events(acme_ticket, EventKind.APPROVAL_DONE)] == [
        "rejected"
    ]
    assert run_tasks(OUTCOME) == 1


def test_rejection_told_to_a_formal_english_customer(desk, acme_ticket, mta):
    approvals.ask(
        acme_ticket, by=desk.agent, question="Refund twice", tell_customer=True,
        steps=[approvals.StepSpec(people=[desk.manager])],
    )  # fmt: skip
    step = acme_ticket.approvals.get().steps.get()
    approvals.decide(step, by=desk.manager, approve=False)
    reply = acme_ticket.messages.filter(kind=MessageKind.REPLY).get()
    assert "not approved" in reply.body


def test_link_of_someone_else_is_refused(desk, acme_ticket, mta):
    approval = two_steps(desk, acme_ticket)
    run_tasks(STEP)
    link = links(mails_to(mta, "tech@loket.test")[0])
    # the manager (an approver of step 2, not step 1) opens the tech's link
    manager = signed_in(desk.manager)
    for answer in (manager.get(link["Approve"]), manager.post(link["Approve"])):
        assert answer.status_code == 403
        assert b'data-approval-refused="wrong_person"' in answer.content
    # an anonymous visitor is sent to sign in first
    anonymous = Client().get(link["Approve"])
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert approval.steps.get(number=1).status == StepStatus.PENDING
    assert events(acme_ticket, EventKind.APPROVAL_STEP) == []


def test_withdrawn_tampered_and_expired_links_are_refused(desk, acme_ticket, mta):
    approval = two_steps(desk, acme_ticket)
    run_tasks(STEP)
    link = links(mails_to(mta, "tech@loket.test")[0])
    tech = signed_in(desk.tech)
    # tampered: one character changed in the token
    path = link["Approve"].rstrip("/")
    head, token = path.rsplit("/", 1)
    bad = f"{head}/{token[:-3]}{'A' if token[-3] != 'A' else 'B'}{token[-2:]}/"
    answer = tech.post(bad)
    assert answer.status_code == 400 and b'data-approval-refused="tampered"' in answer.content
    # expired: after the link's lifetime
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        answer = tech.post(link["Approve"])
    assert answer.status_code == 410 and b'data-approval-refused="expired"' in answer.content
    # withdrawn by the asking agent: the link is dead
    approvals.withdraw(approval, by=desk.agent)
    answer = tech.post(link["Approve"])
    assert answer.status_code == 409 and b'data-approval-refused="withdrawn"' in answer.content
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.WITHDRAWN
    assert events(acme_ticket, EventKind.APPROVAL_STEP) == []
    assert [e.after["outcome"] for e in events(acme_ticket, EventKind.APPROVAL_DONE)] == [
        "withdrawn"
    ]


def test_bad_requests_are_refused_with_a_reason(desk, acme_ticket):
    ask = approvals.ask
    with pytest.raises(approvals.ApprovalError, match="at least one"):
        ask(acme_ticket, by=desk.agent, question="x", steps=[])
    with pytest.raises(approvals.ApprovalError, match="staff"):
        ask(acme_ticket, by=desk.agent, question="x",
            steps=[approvals.StepSpec(people=[desk.acme_alice])])  # fmt: skip
    with pytest.raises(approvals.ApprovalError, match="Nobody but you"):
        ask(acme_ticket, by=desk.agent, question="x",
            steps=[approvals.StepSpec(people=[desk.agent])])  # fmt: skip
    two_steps(desk, acme_ticket)
    with pytest.raises(approvals.ApprovalError, match="already waits"):
        two_steps(desk, acme_ticket)
    assert acme_ticket.approvals.count() == 1
    assert len(events(acme_ticket, EventKind.APPROVAL_ASKED)) == 1


def test_link_after_the_ticket_was_closed_changes_nothing(desk, acme_ticket, mta):
    from loket.tickets import actions

    approval = two_steps(desk, acme_ticket)
    run_tasks(STEP)
    link = links(mails_to(mta, "tech@loket.test")[0])
    actions.reply(acme_ticket, body="Done.", by=desk.agent)
    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    actions.change_state(acme_ticket, State.CLOSED, by=desk.agent)
    tech = signed_in(desk.tech)
    for answer in (tech.get(link["Approve"]), tech.post(link["Approve"])):
        assert answer.status_code == 409
        assert b'data-approval-refused="closed"' in answer.content
    assert approval.steps.get(number=1).status == StepStatus.PENDING
    # the asking agent can still withdraw it
    approvals.withdraw(approval, by=desk.agent)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.WITHDRAWN


def test_asking_to_wait_on_a_resolved_ticket_is_refused_whole(desk, acme_ticket):
    from loket.tickets import actions

    actions.change_state(acme_ticket, State.RESOLVED, by=desk.agent)
    with pytest.raises(approvals.ApprovalError):
        two_steps(desk, acme_ticket, wait=True)
    assert not acme_ticket.approvals.exists()
    assert not acme_ticket.events.filter(kind=EventKind.APPROVAL_ASKED).exists()


@pytest.mark.parametrize(
    ("language", "formality", "approved", "expected"),
    [
        ("nl", Formality.FORMAL, True, "uw verzoek is goedgekeurd"),
        ("nl", Formality.INFORMAL, True, "je verzoek is goedgekeurd"),
        ("nl", Formality.FORMAL, False, "Heeft u vragen?"),
        ("nl", Formality.INFORMAL, False, "Heb je vragen?"),
        ("en", Formality.UNKNOWN, False, "not approved"),
    ],
)
def test_customer_text_in_their_language_and_register(
    desk, acme_ticket, language, formality, approved, expected
):
    from loket.rules.approval_texts import customer_text

    desk.acme_alice.language, desk.acme_alice.formality = language, formality
    assert expected in customer_text(desk.acme_alice, acme_ticket, approved=approved)


def test_a_retried_notify_task_mails_nobody_twice(desk, acme_ticket, mta):
    from loket.rules.approval_mail import notify_step

    approvals.ask(
        acme_ticket, by=desk.agent, question="Refund €20",
        steps=[approvals.StepSpec(people=[desk.tech, desk.manager])],
    )  # fmt: skip
    step = acme_ticket.approvals.get().steps.get()
    assert run_tasks(STEP) == 1
    assert notify_step.call(step.pk) == 0  # run again, as a retry would
    assert len(mails_to(mta, "tech@loket.test")) == 1
    assert len(mails_to(mta, "manager@loket.test")) == 1
    assert Notification.objects.filter(kind=NotificationKind.APPROVAL).count() == 2
