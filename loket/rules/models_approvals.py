"""Approvals: an agent asks named people or a role to approve something on a ticket, in one
or more steps taken in order (first the team lead, then management). Any one approver of the
current step decides it; a rejection ends the approval, the last approval approves it.

Changed only through ``loket.rules.approvals``."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.tickets.models import Ticket


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Not yet asked")
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Not needed any more")


class ApproverRole(models.TextChoices):
    NONE = "", _("Only the people named")
    MANAGER = "manager", _("Any manager")
    ADMIN = "admin", _("Any admin")


class Approval(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="approvals")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    question = models.TextField(_("what is asked"), max_length=2000)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    tell_customer = models.BooleanField(_("tell the customer the outcome"), default=False)
    # The ticket was put in "waiting on third party" when asking (which pauses the SLA).
    set_waiting = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [
            models.Index(fields=["ticket"], condition=Q(status="pending"), name="approval_pending"),
        ]

    def __str__(self) -> str:
        return _("Approval %(n)s on #%(t)s") % {"n": self.pk, "t": self.ticket_id}

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING


class ApprovalStep(models.Model):
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=10, choices=ApproverRole.choices, blank=True)
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    # Part of every link mailed for this step: a new one would make the old links useless.
    nonce = models.CharField(max_length=40, default=new_nonce)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    # Who has been notified of this step (a retried task notifies nobody twice).
    notified = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approval", "number"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "number"], name="approval_step_number"),
        ]

    def __str__(self) -> str:
        return f"{self.approval_id}/{self.number}"
