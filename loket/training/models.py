"""The training desk: practice exercises answered in a sandbox, and reviews on a rubric.

An exercise is not a ticket: its answers are plain rows here, so nothing in the mail, chat or
messenger paths can ever send them. A review scores either a practice answer or a real public
reply (quality review), with the same five criteria.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CRITERIA = ("correct", "complete", "register", "tone", "speed")
CRITERIA_LABELS = {
    "correct": _("Correct"),
    "complete": _("Complete"),
    "register": _("Register (je/u)"),
    "tone": _("Tone"),
    "speed": _("Speed"),
}


class Exercise(models.Model):
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10, default="nl")
    customer_message = models.TextField(_("customer's message"))
    reference_answer = models.TextField(
        _("reference answer"), blank=True, help_text=_("Shown to reviewers, not to the trainee.")
    )
    from_ticket = models.PositiveIntegerField(_("made from ticket"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="attempts")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attempts"
    )
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("your answer"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "agent"],
                condition=Q(submitted_at__isnull=True),
                name="training_one_open_attempt",
            )
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id}/{self.agent_id}"

    @property
    def seconds(self) -> int | None:
        if self.submitted_at is None:
            return None
        return max(0, int((self.submitted_at - self.started_at).total_seconds()))


class Review(models.Model):
    attempt = models.ForeignKey(
        Attempt, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    correct = models.PositiveSmallIntegerField(_("correct"))
    complete = models.PositiveSmallIntegerField(_("complete"))
    register = models.PositiveSmallIntegerField(_("register"))
    tone = models.PositiveSmallIntegerField(_("tone"))
    speed = models.PositiveSmallIntegerField(_("speed"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempt__isnull=False, message__isnull=True)
                | Q(attempt__isnull=True, message__isnull=False),
                name="training_review_one_answer",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{c}__gte": 1, f"{c}__lte": 5}),
                    name=f"training_review_{c}_1_to_5",
                )
                for c in CRITERIA
            ),
            models.UniqueConstraint(
                fields=["attempt", "reviewer"], name="training_one_review_per_attempt"
            ),
            models.UniqueConstraint(
                fields=["message", "reviewer"], name="training_one_review_per_message"
            ),
        ]
        indexes = [models.Index(fields=["agent", "created_at"], name="training_review_agent")]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.agent_id}"

    @property
    def kind(self) -> str:
        return "practice" if self.attempt_id else "real"

    @property
    def average(self) -> float:
        total: int = sum(getattr(self, c) for c in CRITERIA)
        return round(total / len(CRITERIA), 1)

    def scores(self) -> list[tuple[str, int]]:
        return [(str(CRITERIA_LABELS[c]), getattr(self, c)) for c in CRITERIA]
