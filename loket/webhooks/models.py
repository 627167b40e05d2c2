"""Outgoing webhook subscriptions, their deliveries and the log of delivery attempts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.lib.sealed import SealedTextField


class Kind(models.TextChoices):
    """The event kinds a subscription can ask for (the ``type`` field of every body)."""

    TICKET_CREATED = "ticket.created", _("Ticket created")
    MESSAGE_ADDED = "ticket.message_added", _("Message added")
    STATE_CHANGED = "ticket.state_changed", _("State changed")
    SLA_BREACHED = "ticket.sla_breached", _("SLA breached")
    MONITOR_DOWN = "monitor.down", _("Monitor down")
    MONITOR_UP = "monitor.up", _("Monitor up again")
    CSAT_RECEIVED = "csat.received", _("Satisfaction rating received")
    # Sent by an automation rule's "call a webhook" action to the webhook it names.
    RULE_FIRED = "rule.fired", _("Automation rule fired (rules that call this webhook)")


PING = "ping"  # the test event ("send test event"); never subscribed to, always sent


class Subscription(models.Model):
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = SealedTextField(_("signing secret"))
    kinds = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return kind in (self.kinds or [])

    def kind_labels(self) -> list[str]:
        labels = dict(Kind.choices)
        return [str(labels.get(k, k)) for k in self.kinds or []]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("waiting")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("given up")
    HELD = "held", _("held (webhook off)")


class Delivery(models.Model):
    """One event body for one subscription; sent (and resent) until it is accepted.

    ``body`` is the exact JSON text that is signed and sent, the same on every attempt, and
    ``uid`` its delivery id (the ``X-Loket-Delivery`` header and the body's ``id``).
    ``sending_since`` is set, and committed, before each request and cleared with its result:
    a delivery that still has it when it is picked up again was cut off mid-send (a killed
    worker), so the receiver may have it already and the next attempt is marked a possible
    duplicate.
    """

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    body = models.TextField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    sending_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "state"], name="webhook_delivery_state")]

    def __str__(self) -> str:
        return f"{self.kind} {self.uid}"


class Attempt(models.Model):
    """One request to a subscriber's URL and what came back (the delivery log)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="attempts"
    )
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="log"
    )
    uid = models.UUIDField()
    kind = models.CharField(max_length=40)
    number = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    answer = models.TextField(blank=True)
    possible_duplicate = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "-id"], name="webhook_attempt_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_code or self.error}"
