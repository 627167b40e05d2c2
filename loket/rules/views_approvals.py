"""The desk's approval pages: my pending approvals and history, one approval (decide or
withdraw), the ask form, and the confirm page the mailed one-click links open. GET never
changes anything; decisions are POSTs with CSRF, through ``loket.rules.approvals``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.rules import approval_links, approvals
from loket.rules.forms_approvals import AskForm, DecideForm
from loket.rules.models_approvals import Approval, ApprovalStep
from loket.tickets.access import get_ticket_for, tickets_visible_to


def get_approval_for(user: User, pk: int) -> Approval:
    """An approval the agent may see: its ticket is theirs to see, they asked, or they are
    an approver of one of its steps. Anything else is not found."""
    approval = Approval.objects.select_related("ticket", "asked_by").filter(pk=pk).first()
    if approval is None or not user.is_agent:
        raise Http404
    if approval.asked_by_id == user.pk:
        return approval
    if tickets_visible_to(user).filter(pk=approval.ticket_id).exists():
        return approval
    if any(
        approvals.may_decide(s, user) or s.decided_by_id == user.pk for s in approval.steps.all()
    ):
        return approval
    raise Http404


@agent_required
def approval_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    mine = Q(asked_by=user) | Q(steps__decided_by=user)
    history = Approval.objects.filter(mine).select_related("ticket", "asked_by").distinct()[:50]
    return render(request, "rules/approval_list.html", {
        "pending": list(approvals.pending_for(user)[:100]),
        "history": list(history),
    })  # fmt: skip


def _detail(
    request: HttpRequest, approval: Approval, form: DecideForm | None = None
) -> HttpResponse:
    user = signed_in_agent(request)
    step = approvals.current_step(approval)
    can_decide = step is not None and approval.is_pending and approvals.may_decide(step, user)
    steps = list(approval.steps.prefetch_related("people").select_related("decided_by"))
    return render(request, "rules/approval_detail.html", {
        "approval": approval,
        "steps": steps,
        "step": step,
        "form": (form or DecideForm()) if can_decide else None,
        "can_withdraw": approval.is_pending and (approval.asked_by_id == user.pk or user.is_admin),
        "ticket_visible": tickets_visible_to(user).filter(pk=approval.ticket_id).exists(),
    })  # fmt: skip


@agent_required
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    approval = get_approval_for(user, pk)
    if request.method != "POST":
        return _detail(request, approval)
    form = DecideForm(request.POST)
    step = approvals.current_step(approval)
    if step is None or not form.is_valid():
        if step is None:
            messages.error(request, _("This has already been decided. Nothing was changed."))
            return redirect("approvals:detail", approval.pk)
        return _detail(request, approval, form)
    try:
        approvals.decide(
            step, by=user, approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )  # fmt: skip
    except approvals.ApprovalError as exc:
        if exc.code == "not_approver":
            return render(request, "rules/approval_refused.html", {"code": exc.code,
                          "reason": str(exc), "approval": approval}, status=403)  # fmt: skip
        messages.error(request, str(exc))
        return redirect("approvals:detail", approval.pk)
    messages.success(request, _("Your decision is saved."))
    return redirect("approvals:detail", approval.pk)


@require_POST
@agent_required
def approval_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    approval = get_approval_for(user, pk)
    try:
        approvals.withdraw(approval, by=user)
    except approvals.ApprovalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The approval was withdrawn."))
    return redirect("approvals:detail", approval.pk)


@agent_required
def approval_ask(request: HttpRequest, ticket_pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, ticket_pk, write=True)
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approval = approvals.ask(
                ticket, by=user, question=form.cleaned_data["question"], steps=form.steps(),
                tell_customer=form.cleaned_data["tell_customer"], wait=form.cleaned_data["wait"],
            )  # fmt: skip
        except approvals.ApprovalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Approval asked; the approvers are notified."))
            return redirect("approvals:detail", approval.pk)
    return render(request, "rules/approval_ask.html", {"ticket": ticket, "form": form})


def _refused(request: HttpRequest, code: str, reason: str, status: int) -> HttpResponse:
    return render(request, "rules/approval_refused.html", {"code": code, "reason": reason},
                  status=status)  # fmt: skip


@login_required
def approval_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page a mailed link opens: GET shows what would be decided, POST decides."""
    checked = approval_links.check(token)
    if checked.step is None:
        if checked.refusal == "expired":
            reason = _("This link has expired. Nothing was changed; decide in the desk instead.")
            return _refused(request, "expired", reason, 410)
        if checked.refusal == "unknown":
            return _refused(request, "unknown", _("This approval no longer exists."), 404)
        reason = _("This link is not valid: it may have been cut off or changed. Nothing was "
                   "changed. Please use the link exactly as it is in the mail.")  # fmt: skip
        return _refused(request, "tampered", reason, 400)
    user = request.user
    assert isinstance(user, User)
    step: ApprovalStep = checked.step
    if checked.user_id != user.pk:
        reason = _("This link was sent to someone else. Nothing was changed. Sign in as the "
                   "person it was sent to, or decide in the desk.")  # fmt: skip
        return _refused(request, "wrong_person", reason, 403)
    refused = approvals.refusal(step.approval, step, user, checked.nonce)
    if refused is not None:
        status = 403 if refused.code == "not_approver" else 409
        return _refused(request, refused.code, str(refused), status)
    approve = checked.decision == "approve"
    if request.method == "POST":
        try:
            approvals.decide(
                step,
                by=user,
                approve=approve,
                comment=request.POST.get("comment", ""),
                nonce=checked.nonce,
            )
        except approvals.ApprovalError as exc:
            return _refused(request, exc.code, str(exc), 409)
        messages.success(request, _("Your decision is saved."))
        return redirect("approvals:detail", step.approval_id)
    return render(request, "rules/approval_confirm.html", {
        "step": step, "approval": step.approval, "approve": approve,
    })  # fmt: skip
