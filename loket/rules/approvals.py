"""Approvals: asking, deciding and withdrawing (the only code that changes them).

* ``ask``: an agent names the approvers of one or more steps (people, or a role: any manager,
  any admin) and what is asked. Step 1's approvers are notified (desk notification and a mail
  with signed one-click links, ``loket.rules.approval_mail``).
* ``decide``: one approver of the current step approves or rejects, with an optional comment.
  A rejection ends the approval; an approval moves on to the next step, the last one approves.
* ``withdraw``: the asking agent (or an admin) takes a pending approval back.

Every step is a ticket event (``approval_asked``, ``approval_step``, ``approval_done``). The
outcome notifies the asking agent and, only when they ticked "tell the customer", becomes a
public reply to the customer in their language and form of address.

The customer's SLA clock keeps running while an approval is pending. The agent may put the
ticket in "waiting on third party" when asking, which pauses the clocks when the ticket's SLA
policy says so (``Policy.pause_on_third_party``); the outcome then puts it back to open.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Role, User
from loket.rules.models_approvals import (
    Approval,
    ApprovalStatus,
    ApprovalStep,
    ApproverRole,
    StepStatus,
)
from loket.tickets import actions, eventlog, locks
from loket.tickets.models import Event, EventKind, State, Ticket

log = logging.getLogger(__name__)

MAX_STEPS = 5
MAX_QUESTION = 2000


class ApprovalError(actions.ActionError):
    """Refused, with a reason to show and a code: ``invalid`` (bad input), ``decided``,
    ``withdrawn``, ``not_approver``, ``stale`` (a link of an earlier round), ``closed``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StepSpec:
    people: Sequence[User] = field(default_factory=list)
    role: str = ""


def approvers(step: ApprovalStep) -> list[User]:
    """Everyone who may decide ``step`` (active staff), except the person who asked."""
    found: dict[int, User] = {}
    for person in step.people.all():
        found[person.pk] = person
    if step.role:
        for person in User.objects.filter(role=step.role, is_active=True):
            found[person.pk] = person
    asker = step.approval.asked_by_id
    return [p for p in found.values() if p.is_active and p.is_agent and p.pk != asker]


def may_decide(step: ApprovalStep, user: User) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_agent):
        return False
    if user.pk == step.approval.asked_by_id:
        return False
    if step.role and user.role == step.role:
        return True
    return step.people.filter(pk=user.pk).exists()


def pending_for(user: User) -> QuerySet[ApprovalStep]:
    """The steps waiting for ``user``'s decision."""
    mine = Q(people=user)
    if user.role in (Role.MANAGER, Role.ADMIN):
        mine |= Q(role=user.role)
    return (
        ApprovalStep.objects.filter(mine, status=StepStatus.PENDING)
        .exclude(approval__asked_by=user)
        .select_related("approval__ticket", "approval__asked_by")
        .distinct()
        .order_by("approval_id")
    )


def pending_of(ticket_id: int) -> Approval | None:
    return Approval.objects.filter(ticket_id=ticket_id, status=ApprovalStatus.PENDING).first()


def current_step(approval: Approval) -> ApprovalStep | None:
    return approval.steps.filter(status=StepStatus.PENDING).first()


def _event(ticket: Ticket, by: User | None, kind: EventKind, after: dict[str, object]) -> None:
    eventlog.record(Event(ticket=ticket, actor=by, kind=kind, after=after))
    ticket.version += 1
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["version", "updated_at"])


def _clean_steps(steps: Sequence[StepSpec]) -> list[StepSpec]:
    if not steps:
        raise ApprovalError("invalid", _("Name at least one approver."))
    if len(steps) > MAX_STEPS:
        raise ApprovalError("invalid", _("At most %(n)s steps are possible.") % {"n": MAX_STEPS})
    cleaned = []
    for number, spec in enumerate(steps, start=1):
        if spec.role not in ApproverRole.values:
            raise ApprovalError("invalid", _("Unknown approver role: %(r)s") % {"r": spec.role})
        people = list({p.pk: p for p in spec.people}.values())
        if any(not (p.is_active and p.is_agent) for p in people):
            raise ApprovalError("invalid", _("Approvers must be active staff members."))
        if not people and not spec.role:
            raise ApprovalError(
                "invalid",
                _("Step %(n)s: name the approvers or choose a role.") % {"n": number},
            )
        cleaned.append(StepSpec(people=people, role=spec.role))
    return cleaned


def ask(
    ticket: Ticket,
    *,
    by: User,
    question: str,
    steps: Sequence[StepSpec],
    tell_customer: bool = False,
    wait: bool = False,
) -> Approval:
    """Asks for approval on ``ticket`` (the caller checked that ``by`` may change it)."""
    from loket.rules import approval_mail

    if not (by.is_active and by.is_agent):
        raise ApprovalError("not_approver", _("Only agents may do this."))
    question = question.strip()
    if not question:
        raise ApprovalError("invalid", _("Say what needs approval."))
    if len(question) > MAX_QUESTION:
        raise ApprovalError("invalid", _("At most %(n)s characters, please.") % {"n": MAX_QUESTION})
    specs = _clean_steps(steps)
    with transaction.atomic():
        locked = locks.lock(ticket.pk)
        if locked.state == State.CLOSED:
            raise ApprovalError(
                "closed", _("This ticket is closed; open a follow-up ticket instead.")
            )
        if pending_of(locked.pk) is not None:
            raise ApprovalError("invalid", _("This ticket already waits for an approval."))
        set_waiting = wait and locked.state != State.WAITING_THIRD_PARTY
        approval = Approval.objects.create(
            ticket=locked,
            asked_by=by,
            question=question,
            tell_customer=tell_customer,
            set_waiting=set_waiting,
        )
        made = []
        for number, spec in enumerate(specs, start=1):
            step = ApprovalStep.objects.create(
                approval=approval,
                number=number,
                role=spec.role,
                status=StepStatus.PENDING if number == 1 else StepStatus.WAITING,
            )
            step.people.set(spec.people)
            made.append(step)
        if not approvers(made[0]):
            raise ApprovalError("invalid", _("Nobody but you could approve step 1."))
        _event(locked, by, EventKind.APPROVAL_ASKED, {
            "approval": approval.pk, "question": question[:300], "steps": len(specs),
        })  # fmt: skip
        if set_waiting:
            try:
                actions.change_state(
                    locked, State.WAITING_THIRD_PARTY, by=by, reason=_("Waiting for approval")
                )
            except actions.ActionError as exc:
                raise ApprovalError("invalid", str(exc)) from exc
        approval_mail.notify_step.enqueue(made[0].pk)
    ticket.refresh_from_db()
    return approval


def _lock_step(step_id: int) -> tuple[Ticket, Approval, ApprovalStep]:
    ticket_id = ApprovalStep.objects.filter(pk=step_id).values_list(
        "approval__ticket_id", flat=True
    )[0]
    ticket = locks.lock(ticket_id)
    step = ApprovalStep.objects.select_for_update().select_related("approval").get(pk=step_id)
    return ticket, step.approval, step


def refusal(
    approval: Approval, step: ApprovalStep, user: User, nonce: str | None
) -> ApprovalError | None:
    """Why ``user`` may not decide ``step`` now (``None``: they may)."""
    if approval.status == ApprovalStatus.WITHDRAWN:
        return ApprovalError("withdrawn", _("This approval was withdrawn. Nothing was changed."))
    if approval.status != ApprovalStatus.PENDING or step.status != StepStatus.PENDING:
        if step.status == StepStatus.WAITING:
            return ApprovalError("stale", _("This step is not up for decision yet."))
        return ApprovalError("decided", _("This has already been decided. Nothing was changed."))
    if approval.ticket.state == State.CLOSED:
        return ApprovalError(
            "closed", _("This ticket is closed; nothing was changed. Withdraw the approval.")
        )
    if nonce is not None and nonce != step.nonce:
        return ApprovalError("stale", _("This link is out of date. Nothing was changed."))
    if not may_decide(step, user):
        return ApprovalError(
            "not_approver", _("You are not an approver of this step. Nothing was changed.")
        )
    return None


def decide(
    step: ApprovalStep,
    *,
    by: User,
    approve: bool,
    comment: str = "",
    nonce: str | None = None,
) -> Approval:
    """Approves or rejects ``step``; ``nonce``: the one in a mailed link, checked as well."""
    from loket.rules import approval_mail

    comment = comment.strip()[:2000]
    with transaction.atomic():
        ticket, approval, step = _lock_step(step.pk)
        refused = refusal(approval, step, by, nonce)
        if refused is not None:
            raise refused
        step.status = StepStatus.APPROVED if approve else StepStatus.REJECTED
        step.decided_by, step.comment, step.decided_at = by, comment, timezone.now()
        step.save(update_fields=["status", "decided_by", "comment", "decided_at"])
        _event(ticket, by, EventKind.APPROVAL_STEP, {
            "approval": approval.pk, "step": step.number,
            "decision": "approved" if approve else "rejected", "comment": comment[:300],
        })  # fmt: skip
        following = approval.steps.filter(number__gt=step.number).order_by("number").first()
        if approve and following is not None:
            following.status = StepStatus.PENDING
            following.save(update_fields=["status"])
            approval_mail.notify_step.enqueue(following.pk)
        else:
            _finish(
                ticket, approval, by,
                ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED,
            )  # fmt: skip
    return approval


def withdraw(approval: Approval, *, by: User) -> Approval:
    with transaction.atomic():
        ticket = locks.lock(approval.ticket_id)
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if not (by.is_active and (by.pk == approval.asked_by_id or by.is_admin)):
            raise ApprovalError(
                "not_approver", _("Only the agent who asked (or an admin) may withdraw it.")
            )
        if approval.status != ApprovalStatus.PENDING:
            raise ApprovalError("decided", _("This has already been decided. Nothing was changed."))
        _finish(ticket, approval, by, ApprovalStatus.WITHDRAWN)
    return approval


def _finish(ticket: Ticket, approval: Approval, by: User, outcome: ApprovalStatus) -> None:
    from loket.rules import approval_mail
    from loket.rules.approval_texts import customer_text

    approval.status = outcome
    approval.decided_at = timezone.now()
    approval.save(update_fields=["status", "decided_at"])
    approval.steps.filter(status__in=[StepStatus.PENDING, StepStatus.WAITING]).update(
        status=StepStatus.CANCELLED
    )
    _event(ticket, by, EventKind.APPROVAL_DONE, {"approval": approval.pk, "outcome": outcome.value})
    asker = approval.asked_by
    if approval.set_waiting and ticket.state == State.WAITING_THIRD_PARTY:
        actions.change_state(ticket, State.OPEN, by=by, reason=_("The approval has ended"))
    if approval.tell_customer and outcome != ApprovalStatus.WITHDRAWN:
        customer = ticket.customer
        if customer is not None:
            body = customer_text(customer, ticket, approved=outcome == ApprovalStatus.APPROVED)
            try:
                if asker is not None and asker.is_active and asker.is_agent:
                    actions.reply(ticket, body=body, by=asker)
                else:
                    actions.system_reply(ticket, body=body)
            except actions.ActionError as exc:  # e.g. the customer cannot be mailed
                log.warning("approval %s: outcome reply on #%s refused: %s",
                            approval.pk, ticket.pk, exc)  # fmt: skip
    if asker is not None and asker.pk != by.pk:
        approval_mail.notify_outcome.enqueue(approval.pk)
