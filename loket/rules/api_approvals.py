"""Approvals in the API (agents only): ``GET/POST /api/tickets/{id}/approvals`` (list, ask),
``POST /api/approvals/{id}/decision`` (approve or reject the current step, approvers only) and
``POST /api/approvals/{id}/withdraw``. An approval the caller may not see is 404; one they
see but may not decide is 403; one already decided or withdrawn is 409."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from loket.accounts.models import STAFF_ROLES, User
from loket.api.auth import current_agent
from loket.api.errors import ERRORS, ApiError
from loket.api.schemas import Id
from loket.rules import approvals
from loket.rules.models_approvals import Approval, ApproverRole
from loket.rules.views_approvals import get_approval_for
from loket.tickets.access import get_ticket_for

router = Router(tags=["approvals"])


class StepIn(Schema):
    people: Annotated[list[Id], Field(max_length=50)] = []
    role: ApproverRole = ApproverRole.NONE


class AskIn(Schema):
    question: Annotated[str, Field(min_length=1, max_length=2000)]
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=approvals.MAX_STEPS)]
    tell_customer: bool = False
    wait: bool = False


class DecisionIn(Schema):
    decision: Literal["approve", "reject"]
    comment: Annotated[str, Field(max_length=2000)] = ""


class StepOut(Schema):
    number: int
    status: str
    role: str
    people: list[int]
    decided_by: int | None
    comment: str
    decided_at: datetime | None


class ApprovalOut(Schema):
    id: int
    ticket: int
    status: str
    question: str
    asked_by: int | None
    tell_customer: bool
    created_at: datetime
    decided_at: datetime | None
    steps: list[StepOut]


def approval_out(approval: Approval) -> ApprovalOut:
    steps = [
        StepOut(
            number=s.number, status=s.status, role=s.role,
            people=sorted(p.pk for p in s.people.all()), decided_by=s.decided_by_id,
            comment=s.comment, decided_at=s.decided_at,
        )
        for s in approval.steps.prefetch_related("people").order_by("number")
    ]  # fmt: skip
    return ApprovalOut(
        id=approval.pk, ticket=approval.ticket_id, status=approval.status,
        question=approval.question, asked_by=approval.asked_by_id,
        tell_customer=approval.tell_customer, created_at=approval.created_at,
        decided_at=approval.decided_at, steps=steps,
    )  # fmt: skip


def _error(exc: approvals.ApprovalError, field: str | None = None) -> ApiError:
    status = {"invalid": 422, "not_approver": 403}.get(exc.code, 409)
    return ApiError(status, exc.code, str(exc), field if status == 422 else None)


@router.get("/tickets/{id}/approvals", response={200: list[ApprovalOut], **ERRORS})
def list_approvals(request: HttpRequest, id: Id) -> list[ApprovalOut]:
    """A ticket's approvals, newest first."""
    user = current_agent(request)
    ticket = get_ticket_for(user, id)
    return [approval_out(a) for a in Approval.objects.filter(ticket=ticket).order_by("-id")]


@router.post("/tickets/{id}/approvals", response={201: ApprovalOut, **ERRORS})
def ask_approval(request: HttpRequest, id: Id, payload: AskIn) -> Status[ApprovalOut]:
    """Asks for approval: ``steps`` in order, each naming staff ``people`` (ids) and/or a
    ``role`` (``manager``, ``admin``); ``wait`` puts the ticket in waiting on third party."""
    user = current_agent(request)
    ticket = get_ticket_for(user, id, write=True)
    specs = []
    for n, step in enumerate(payload.steps):
        people = list(User.objects.filter(pk__in=step.people, role__in=STAFF_ROLES, is_active=True))
        if len(people) != len(set(step.people)):
            raise ApiError(
                422, "invalid", _("Approvers must be active staff members."), f"steps.{n}.people"
            )
        specs.append(approvals.StepSpec(people=people, role=step.role.value))
    try:
        approval = approvals.ask(
            ticket, by=user, question=payload.question, steps=specs,
            tell_customer=payload.tell_customer, wait=payload.wait,
        )  # fmt: skip
    except approvals.ApprovalError as exc:
        raise _error(exc, "steps") from None
    return Status(201, approval_out(approval))


@router.post("/approvals/{id}/decision", response={200: ApprovalOut, **ERRORS})
def decide_approval(request: HttpRequest, id: Id, payload: DecisionIn) -> ApprovalOut:
    """Approves or rejects the current step (an approver of it only)."""
    user = current_agent(request)
    approval = get_approval_for(user, id)
    step = approvals.current_step(approval)
    if step is None:
        raise ApiError(409, "decided", _("This has already been decided. Nothing was changed."))
    try:
        approvals.decide(
            step, by=user, approve=payload.decision == "approve", comment=payload.comment
        )
    except approvals.ApprovalError as exc:
        raise _error(exc) from None
    approval.refresh_from_db()
    return approval_out(approval)


@router.post("/approvals/{id}/withdraw", response={200: ApprovalOut, **ERRORS})
def withdraw_approval(request: HttpRequest, id: Id) -> ApprovalOut:
    user = current_agent(request)
    approval = get_approval_for(user, id)
    try:
        approvals.withdraw(approval, by=user)
    except approvals.ApprovalError as exc:
        raise _error(exc) from None
    approval.refresh_from_db()
    return approval_out(approval)
