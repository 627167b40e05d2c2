"""Telling people about approvals (tasks on the ``notify`` queue, enqueued in the
transaction of the change): each approver of a step that comes up gets a desk notification
(``loket.sla.notify.notice``) and a mail with signed one-click Approve and Reject links; the
asking agent hears the outcome. Everything in each person's own language."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.jobs.retry import retrying
from loket.rules import approval_links
from loket.rules.approval_texts import outcome_label
from loket.rules.models_approvals import Approval, ApprovalStep, StepStatus


def _path(approval_id: int) -> str:
    return reverse("approvals:detail", args=[approval_id])


def compose(step: ApprovalStep, person_id: int) -> tuple[str, str]:
    """Subject and text of the mail asking for a decision (in the active language)."""
    approval = step.approval
    ticket = approval.ticket
    asker = approval.asked_by.name if approval.asked_by is not None else settings.SITE_NAME
    subject = _("Approval asked: #%(n)s %(subject)s") % {
        "n": ticket.pk,
        "subject": " ".join(ticket.subject.split()),
    }
    lines = [
        _("%(asker)s asks for your approval (step %(step)s) on ticket #%(n)s:")
        % {"asker": asker, "step": step.number, "n": ticket.pk},
        "",
        approval.question,
        "",
        _("Approve: %(url)s") % {"url": approval_links.url_for(step, person_id, "approve")},
        _("Reject: %(url)s") % {"url": approval_links.url_for(step, person_id, "reject")},
        "",
        _("Each link opens a page where you confirm (and may add a comment); the links are "
          "yours only and work until the step is decided."),
        _("In the desk: %(url)s") % {"url": settings.BASE_URL.rstrip("/") + _path(approval.pk)},
    ]  # fmt: skip
    return subject, "\n".join(str(line) for line in lines)


@task(queue_name="notify")
@retrying(attempts=3)
def notify_step(step_id: int) -> int:
    from loket.rules.approvals import approvers
    from loket.sla import notify
    from loket.sla.models import NotificationKind

    step = (
        ApprovalStep.objects.select_related("approval__ticket", "approval__asked_by")
        .filter(pk=step_id, status=StepStatus.PENDING)
        .first()
    )
    if step is None:
        return 0
    ticket = step.approval.ticket
    reached = 0
    done = {int(pk) for pk in step.notified if isinstance(pk, int)}
    for person in approvers(step):
        if person.pk in done:
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = _("#%(n)s %(subject)s: your approval is asked") % {
                "n": ticket.pk,
                "subject": ticket.subject,
            }
            notify.notice(person, NotificationKind.APPROVAL, text, _path(step.approval_id))
            subject, body = compose(step, person.pk)
        if person.email:
            EmailMessage(
                subject=subject,
                body=body,
                from_email=formataddr((settings.SITE_NAME, settings.DEFAULT_FROM_EMAIL)),
                to=[person.email],
                headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
            ).send()
        done.add(person.pk)
        ApprovalStep.objects.filter(pk=step.pk).update(notified=sorted(done))
        reached += 1
    return reached


@task(queue_name="notify")
@retrying(attempts=3)
def notify_outcome(approval_id: int) -> int:
    from loket.sla import notify
    from loket.sla.models import NotificationKind

    approval = Approval.objects.select_related("ticket", "asked_by").filter(pk=approval_id).first()
    if approval is None or approval.asked_by is None or not approval.asked_by.is_active:
        return 0
    person = approval.asked_by
    with translation.override(person.language or settings.LANGUAGE_CODE):
        text = _("#%(n)s %(subject)s: approval %(outcome)s") % {
            "n": approval.ticket_id,
            "subject": approval.ticket.subject,
            "outcome": outcome_label(approval.status).lower(),
        }
        notify.notice(person, NotificationKind.APPROVAL, text, _path(approval.pk))
    return 1
