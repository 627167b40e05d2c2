"""Two approvers of one step deciding at the same moment (PostgreSQL): the first decision
counts, the second is refused as already decided, and only one step event is written."""

from __future__ import annotations

import pytest
from django.db import connection

from loket.rules import approvals
from loket.rules.models_approvals import ApprovalStatus
from loket.tickets.models import EventKind
from tests.tickets.test_concurrency import _second_during_first

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="Row locking is tested on PostgreSQL (see tests/tickets/test_concurrency.py).",
    ),
]


def test_two_approvers_at_once_one_decision(desk, acme_ticket):
    approval = approvals.ask(
        acme_ticket, by=desk.agent, question="Refund €20",
        steps=[approvals.StepSpec(people=[desk.tech, desk.manager])],
    )  # fmt: skip
    step = approval.steps.get()
    errors = _second_during_first(
        lambda: approvals.decide(step, by=desk.tech, approve=True),
        lambda: approvals.decide(step, by=desk.manager, approve=False),
    )
    assert len(errors) == 1 and isinstance(errors[0], approvals.ApprovalError)
    assert errors[0].code == "decided"
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert acme_ticket.events.filter(kind=EventKind.APPROVAL_STEP).count() == 1
    assert acme_ticket.events.filter(kind=EventKind.APPROVAL_DONE).count() == 1
