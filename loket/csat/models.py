"""Satisfaction surveys: one row per solved ticket, which is also its rating row.

The row keeps what reports group by as it was when the ticket was solved (the agent who
solved it, the team, channel, organisation and tier), so a report never has to reconstruct
it from the ticket's later life. The latest rating and comment are on the row; every change
is also a ticket event (``EventKind.RATED``), which is the history.

Fields and constraints only; every change goes through ``loket.csat.actions``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Organisation, Team, Tier
from loket.tickets.models import Channel, Ticket


class Scale(models.TextChoices):
    GOOD_BAD = "good_bad", _("Good or bad")
    FIVE = "five", _("1 to 5")


class SurveyStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")


class SkipReason(models.TextChoices):
    NO_CUSTOMER = "no_customer", _("No customer to ask")
    MERGED = "merged", _("Merged into another ticket")
    SPAM = "spam", _("Closed as spam")
    NO_REPLY = "no_reply", _("Marked as needing no reply")
    BOUNCED = "bounced", _("The address bounces")
    THROTTLED = "throttled", _("Asked recently")
    UNCONFIRMED = "unconfirmed", _("Sender not confirmed")


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Survey(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    status = models.CharField(_("status"), max_length=10, choices=SurveyStatus.choices)
    skip_reason = models.CharField(
        _("why not sent"), max_length=20, choices=SkipReason.choices, blank=True
    )
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices)
    language = models.CharField(max_length=10, blank=True)
    informal = models.BooleanField(default=False)
    # Part of every link's signature: a new row (a survey made again) voids the old links.
    nonce = models.CharField(max_length=32, default=_nonce)
    # Who and what the rating belongs to, as when the ticket was solved.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices)
    solved_at = models.DateTimeField(_("solved"))
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # The latest rating: 1 (bad) or 2 (good) on the good/bad scale, 1-5 on the other.
    score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    satisfied = models.BooleanField(null=True, blank=True)  # the CSAT numerator
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    commented_at = models.DateTimeField(null=True, blank=True)
    # Bad rating or negative comment: listed for follow-up until someone marks it handled.
    # Offered in the chat widget when the conversation ended (not mailed: the widget is where
    # the customer answers; see ``actions.offer_in_chat``).
    in_chat = models.BooleanField(default=False, db_default=False)
    needs_follow_up = models.BooleanField(default=False)
    follow_up_since = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [
            models.Index(fields=["customer", "sent_at"], name="csat_customer_sent"),
            models.Index(fields=["sent_at"], name="csat_sent"),
            models.Index(fields=["rated_at"], name="csat_rated"),
            models.Index(
                fields=["follow_up_since"],
                condition=Q(needs_follow_up=True),
                name="csat_follow_up",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="csat_score_range",
            ),
        ]

    def __str__(self) -> str:
        return _("Survey of #%(n)s") % {"n": self.ticket_id}

    @property
    def choices(self) -> list[int]:
        return [2, 1] if self.scale == Scale.GOOD_BAD else [5, 4, 3, 2, 1]

    def score_label(self, score: int | None = None) -> str:
        value = self.score if score is None else score
        if value is None:
            return ""
        if self.scale == Scale.GOOD_BAD:
            return str(_("Good")) if value == 2 else str(_("Bad"))
        return f"{value}/5"

    @property
    def is_bad(self) -> bool:
        return self.score is not None and is_bad_score(self.scale, self.score)


def is_bad_score(scale: str, score: int) -> bool:
    return score == 1 if scale == Scale.GOOD_BAD else score <= 2


def is_satisfied(scale: str, score: int) -> bool:
    """The usual CSAT definition: good, or 4 and 5 out of 5."""
    return score == 2 if scale == Scale.GOOD_BAD else score >= 4
