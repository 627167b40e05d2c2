from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """One API write sent with an ``Idempotency-Key``: its answer, to give again to a retry.

    ``scope`` is a hash of the caller (token or session user) and the key, so two callers'
    keys never meet; ``fingerprint`` a hash of method, path and body, so a key reused for a
    different request is refused rather than answered with the first one's result.
    """

    scope = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)  # null while the first try runs
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.scope[:12]}… {self.status}"
