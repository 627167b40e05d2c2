from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from loket.api.idempotency import KEEP
from loket.api.models import IdempotentRequest


@task(queue_name="default")
def prune_idempotency_keys() -> int:
    """Forgets the answers kept for retries once their keys have expired."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
