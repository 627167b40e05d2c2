"""What the assistant read in each customer message, what it learned about each customer,
and the admin's rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Team
from loket.tickets.models import Message


class Register(models.TextChoices):
    UNKNOWN = "unknown", _("unknown")
    FORMAL = "formal", _("formal")
    INFORMAL = "informal", _("informal")


class MessageReading(models.Model):
    """The analysis of one inbound customer message (``loket.assist.analyze``)."""

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, primary_key=True, related_name="assist_reading"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    register = models.CharField(
        _("form of address"), max_length=10, choices=Register.choices, default=Register.UNKNOWN
    )
    register_confidence = models.FloatField(default=0.0)
    mood = models.CharField(_("mood"), max_length=12, blank=True)
    urgency = models.CharField(_("urgency"), max_length=8, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message reading")
        verbose_name_plural = _("message readings")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.language} {self.register} {self.mood} {self.urgency}"

    @property
    def questions(self) -> list[dict[str, Any]]:
        found = self.data.get("questions", [])
        return found if isinstance(found, list) else []


class CustomerProfile(models.Model):
    """What the customer's messages taught: their register and language."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="assist_profile",
    )
    formal_score = models.FloatField(default=0.0)
    informal_score = models.FloatField(default=0.0)
    register = models.CharField(
        _("learned form of address"),
        max_length=10,
        choices=Register.choices,
        default=Register.UNKNOWN,
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    suggested_language = models.CharField(_("suggested language"), max_length=10, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("customer profile")
        verbose_name_plural = _("customer profiles")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.register} {self.language}"


class AssistSettings(models.Model):
    """The desk's assistant rules (one row)."""

    urgency_raises_priority = models.BooleanField(
        _("urgency raises priority"),
        default=False,
        help_text=_(
            "An urgent customer message raises the ticket to high priority (never lowers it)."
        ),
    )
    angry_team = models.ForeignKey(
        Team,
        verbose_name=_("team for angry customers"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("An angry customer's ticket moves to this team (for example your seniors)."),
    )
    internal_words = models.TextField(
        _("internal-only words"),
        blank=True,
        help_text=_("One word or phrase a line; a public reply that contains one is flagged."),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self) -> str:
        return str(_("assistant settings"))

    @classmethod
    def current(cls) -> AssistSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls()

    def internal_word_list(self) -> list[str]:
        return [w.strip() for w in self.internal_words.splitlines() if w.strip()][:200]
