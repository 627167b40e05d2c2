"""Helpers for the approval tests: run the queued notify tasks as the worker would, read
the links out of the approval mails, and ask for a two-step approval."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlparse

from django_tasks_db.models import DBTaskResult

from loket.rules import approvals
from loket.rules.models_approvals import Approval, ApproverRole
from loket.tickets.models import Ticket
from tests.conftest import Desk
from tests.mail.conftest import Collect

STEP = "loket.rules.approval_mail.notify_step"
OUTCOME = "loket.rules.approval_mail.notify_outcome"


def run_tasks(*paths: str) -> int:
    ran = 0
    for row in DBTaskResult.objects.ready().filter(task_path__in=paths).order_by("enqueued_at"):
        result = row.task_result
        row.task.call(*result.args, **result.kwargs)
        row.delete()
        ran += 1
    return ran


def mails_to(collected: Collect, address: str) -> list[EmailMessage]:
    return [mail for _f, rcpt, mail in collected.mails if address in rcpt]


def links(mail: EmailMessage) -> dict[str, str]:
    """The Approve and Reject links of an approval mail, as paths."""
    text = mail.get_body(("plain",)).get_content()
    found = dict(re.findall(r"^(Approve|Reject): (https?://\S+)\s*$", text, flags=re.MULTILINE))
    assert set(found) == {"Approve", "Reject"}, text
    return {k: urlparse(v).path for k, v in found.items()}


def two_steps(desk: Desk, ticket: Ticket, **options: bool) -> Approval:
    """Step 1: the second-line agent (standing in for the team lead); step 2: any manager."""
    return approvals.ask(
        ticket,
        by=desk.agent,
        question="Lower the minimum payout to €50 for Acme",
        steps=[
            approvals.StepSpec(people=[desk.tech]),
            approvals.StepSpec(role=ApproverRole.MANAGER),
        ],
        **options,
    )
