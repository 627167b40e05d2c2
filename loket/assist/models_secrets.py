"""What masking took out of a message, sealed, so that a permitted person can reveal it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.lib.sealed import SealedTextField
from loket.tickets.models import Message


class HiddenSecrets(models.Model):
    """The original text of a message whose stored text was masked (``loket.assist.masking``).

    ``Message.body``/``body_html`` hold the masked text that every page, mail, index and API
    answer reads; this row holds the original, sealed with a key derived from ``SECRET_KEY``
    (``loket.lib.sealed``), until the secrets are redacted for good (the row is deleted).
    """

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="hidden_secrets", primary_key=True
    )
    body = SealedTextField(_("original text"))
    body_html = SealedTextField(_("original HTML"), blank=True)
    # The ticket's original subject, when this is its first message and the subject had a
    # secret too; empty otherwise.
    subject = SealedTextField(_("original subject"), blank=True)
    kinds = models.JSONField(_("kinds"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hidden secrets")
        verbose_name_plural = _("hidden secrets")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
