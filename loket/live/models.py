"""Presence on tickets, and the short-lived signals that tell other web processes about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.tickets.models import Ticket


class Signal(models.Model):
    """Something for the live streams that is not a ticket event (``topic``: e.g.
    ``presence:12``). Every web process reads these rows (polled on SQLite, announced by
    NOTIFY on PostgreSQL); they are worth nothing after a minute and are pruned."""

    topic = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("live signal")
        verbose_name_plural = _("live signals")
        indexes = [models.Index(fields=["created_at"], name="live_signal_created")]

    def __str__(self) -> str:
        return self.topic


class TicketViewer(models.Model):
    """An agent with a ticket open (``seen_at``, renewed by the page's heartbeat) and maybe
    typing a reply (``typing_at``). Both fade: see ``loket.live.presence``."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket viewer")
        verbose_name_plural = _("ticket viewers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="one_viewer_row_per_agent")
        ]
        indexes = [models.Index(fields=["seen_at"], name="live_viewer_seen")]

    def __str__(self) -> str:
        return f"{self.agent_id} on #{self.ticket_id}"
