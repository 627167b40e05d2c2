"""Triage: the stored classifiers, the admin's settings and the suggestions per ticket."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.tickets.models import Ticket


class TriageField(models.TextChoices):
    TEAM = "team", _("team")
    TAG = "tag", _("category")
    PRIORITY = "priority", _("priority")


class TriageModel(models.Model):
    """The trained classifiers (shared features, one head per field), in the database so every
    web node and worker reads the same one. The newest row is the one in use."""

    blob = models.BinaryField()
    trained_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField(default=0)  # solved tickets read
    labels = models.JSONField(default=dict)  # {field: {label: number of examples}}
    train_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M}"


class TriageSettings(models.Model):
    """The desk's triage settings (one row, pk=1)."""

    enabled = models.BooleanField(_("suggest triage for new tickets"), default=True)
    auto_team = models.BooleanField(_("apply the team automatically"), default=True)
    auto_tag = models.BooleanField(_("apply the category automatically"), default=True)
    auto_priority = models.BooleanField(_("apply the priority automatically"), default=False)
    threshold = models.FloatField(
        _("confidence to apply automatically"),
        default=0.9,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("Between 0.5 and 1. Below it a choice is only suggested to the agent."),
    )
    suggest_from = models.FloatField(
        _("confidence to suggest"),
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Choices the model is less sure of than this are not shown."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("triage settings")
        verbose_name_plural = _("triage settings")

    def __str__(self) -> str:
        return str(_("triage settings"))

    @classmethod
    def current(cls) -> TriageSettings:
        return cls.objects.get_or_create(pk=1)[0]

    def auto(self, field: str) -> bool:
        return bool(
            {"team": self.auto_team, "tag": self.auto_tag, "priority": self.auto_priority}.get(
                field, False
            )
        )


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("suggested")
    APPLIED = "applied", _("applied by an agent")
    AUTO = "auto", _("applied automatically")
    DISMISSED = "dismissed", _("dismissed")


class TriageSuggestion(models.Model):
    """What the model proposed for one field of one ticket, with its score."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("field"), max_length=10, choices=TriageField.choices)
    value = models.CharField(_("value"), max_length=100)
    score = models.FloatField(_("score"))
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    model = models.ForeignKey(TriageModel, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["field", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="one_triage_per_field")
        ]
        verbose_name = _("triage suggestion")
        verbose_name_plural = _("triage suggestions")

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.field}={self.value} ({self.score:.2f})"
