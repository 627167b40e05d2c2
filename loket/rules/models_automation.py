"""Automation rules: when something happens to a ticket (a trigger), and the ticket meets
the conditions, the actions change it. Fields and constraints only: rules are changed through
``loket.rules.rule_actions`` and run by ``loket.rules.automation.engine``.

Conditions and actions are stored as JSON lists (``[{"property", "op", "value"}]`` and
``[{"kind", "value"}]``) read through the registries of ``automation.conditions`` and
``automation.effects``, so a later app adds a property or an action by name without a
migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    CREATED = "created", _("Ticket created")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    AGENT_REPLIED = "agent_replied", _("Agent replied")
    STATE_CHANGED = "state_changed", _("State changed")
    FIELD_CHANGED = "field_changed", _("A field changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    MONITOR_INCIDENT = "monitor_incident", _("Monitor incident")
    TIMED = "timed", _("Time passed (checked every few minutes)")


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    triggers = models.JSONField(_("when"), default=list)
    match_all = models.BooleanField(
        _("all conditions must match"),
        default=True,
        help_text=_("Off: any one condition is enough."),
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    effects = models.JSONField(_("actions"), default=list)
    wait_hours = models.PositiveIntegerField(
        _("hours in the same state"),
        null=True,
        blank=True,
        help_text=_("Time-based rules: how long the ticket has been in its current state."),
    )
    disabled_reason = models.CharField(_("why it was switched off"), max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["enabled", "position", "id"], name="rule_enabled_order")]

    def __str__(self) -> str:
        return self.name


class Firing(models.Model):
    """One rule applied to one ticket: the firing log, and the count the loop guard reads."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=30)
    changes = models.JSONField(default=list)
    ok = models.BooleanField(default=True)
    error = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        indexes = [
            models.Index(fields=["ticket", "at"], name="rule_firing_ticket_at"),
            models.Index(fields=["rule", "id"], name="rule_firing_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} #{self.ticket_id}"


class TimedMark(models.Model):
    """A time-based rule that has handled a ticket for one stay in a state (``since``): the
    periodic job never fires the same rule twice for it."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "since"], name="rule_timed_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} #{self.ticket_id}"


class GuardTrip(models.Model):
    """A ticket whose rules fired too often in an hour: further firings stop until the hour
    has passed, and admins were told once."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["ticket", "at"], name="rule_guard_ticket_at")]

    def __str__(self) -> str:
        return f"#{self.ticket_id}"
