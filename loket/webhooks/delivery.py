"""Sending a delivery: one signed POST per attempt, retried with backoff, logged.

The task runs on the ``webhooks`` queue. Each attempt:

1. commits ``attempts + 1`` and ``sending_since`` before the request, so a worker killed
   mid-send leaves a mark: the stale-task sweep gives the task back to the queue, and the next
   attempt goes out with the same delivery id, logged as a possible duplicate (at most one
   per killed worker; receivers drop repeats by ``X-Loket-Delivery``);
2. POSTs through ``loket.lib.http`` (the SSRF guard; redirects are not followed);
3. records the answer (status, an excerpt, the duration) in the delivery log, and then either
   finishes the delivery (2xx), queues the next attempt after a growing delay, or gives up.

Failed attempts in a row count on the subscription; at ``WEBHOOK_DISABLE_AFTER`` it is
switched off, its waiting deliveries are held (sent when an admin switches it on again), and
the admins get a notice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.lib import http
from loket.lib.sealed import is_unreadable
from loket.webhooks import signing
from loket.webhooks.models import Attempt, Delivery, DeliveryState, Subscription

log = logging.getLogger(__name__)

ANSWER_EXCERPT = 1000
BACKOFF_CAP_SECONDS = 6 * 3600


@dataclass
class Outcome:
    ok: bool
    status_code: int | None
    answer: str
    error: str
    duration_ms: int


def retry_delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1`` (after ``attempt`` failed ones): base, 2 * base,
    4 * base, … capped at six hours."""
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    return float(min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, attempt - 1)))


def headers_for(subscription: Subscription, uid: str, kind: str, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Loket-Event": kind,
        "X-Loket-Delivery": uid,
        "Idempotency-Key": uid,
        "X-Loket-Timestamp": str(timestamp),
        "X-Loket-Signature": signing.sign(subscription.secret, timestamp, body),
    }


def post(subscription: Subscription, uid: str, kind: str, body: bytes) -> Outcome:
    """One signed POST; never raises for what the network or the receiver does."""
    if is_unreadable(subscription.secret) or not subscription.secret:
        return Outcome(False, None, "", _("The signing secret cannot be read: make a new one."), 0)
    start = time.perf_counter()
    try:
        response = http.fetch_sync(
            subscription.url,
            method="POST",
            headers=headers_for(subscription, uid, kind, body),
            content=body,
            timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS),
            max_bytes=64 * 1024,
            truncate=True,
            follow_redirects=False,
        )
    except http.HttpError as exc:
        ms = int((time.perf_counter() - start) * 1000)
        return Outcome(False, None, "", str(exc)[:300], ms)
    except Exception as exc:  # a bug or an odd answer must not leave the delivery unrecorded
        log.exception("webhook %s: sending failed unexpectedly", subscription.pk)
        ms = int((time.perf_counter() - start) * 1000)
        return Outcome(False, None, "", f"{exc.__class__.__name__}: {exc}"[:300], ms)
    ms = int((time.perf_counter() - start) * 1000)
    ok = 200 <= response.status_code < 300
    error = "" if ok else _("answered HTTP %(status)s") % {"status": response.status_code}
    # PostgreSQL text cannot hold NUL: a receiver's binary junk must not break the log.
    answer = response.text[:ANSWER_EXCERPT].replace("\x00", "\N{REPLACEMENT CHARACTER}")
    return Outcome(ok, response.status_code, answer, error, ms)


def _prune(subscription_id: int) -> None:
    keep = int(settings.WEBHOOK_LOG_KEEP)
    old = list(
        Attempt.objects.filter(subscription_id=subscription_id)
        .order_by("-id")
        .values_list("id", flat=True)[keep : keep + 500]
    )
    if old:
        Attempt.objects.filter(pk__in=old).delete()


@task(queue_name="webhooks")
def deliver(delivery_id: int) -> str:
    """Sends one delivery once (see the module docstring); returns what happened."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return "nothing to do"
        subscription = delivery.subscription
        if not subscription.active:
            delivery.state = DeliveryState.HELD
            delivery.save(update_fields=["state"])
            return "held"
        resent = delivery.sending_since is not None
        delivery.attempts += 1
        delivery.sending_since = now
        delivery.save(update_fields=["attempts", "sending_since"])
    if resent:
        log.warning(
            "webhook delivery %s was cut off mid-send (worker killed?); sending it again with "
            "the same delivery id: the receiver may get it twice",
            delivery.uid,
        )
    outcome = post(subscription, str(delivery.uid), delivery.kind, delivery.body.encode("utf-8"))
    return _record(delivery.pk, outcome, number=delivery.attempts, resent=resent)


def _record(delivery_id: int, outcome: Outcome, *, number: int, resent: bool) -> str:
    now = timezone.now()
    disabled = False
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        subscription = Subscription.objects.select_for_update().get(pk=delivery.subscription_id)
        Attempt.objects.create(
            subscription=subscription,
            delivery=delivery,
            uid=delivery.uid,
            kind=delivery.kind,
            number=number,
            started_at=delivery.sending_since or now,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            ok=outcome.ok,
            error=outcome.error,
            answer=outcome.answer,
            possible_duplicate=resent,
        )
        delivery.sending_since = None
        if outcome.ok:
            delivery.state = DeliveryState.DELIVERED
            delivery.finished_at = now
            delivery.next_attempt_at = None
            Subscription.objects.filter(pk=subscription.pk).update(
                consecutive_failures=0, last_success_at=now
            )
            result = "delivered"
        else:
            failures = subscription.consecutive_failures + 1
            Subscription.objects.filter(pk=subscription.pk).update(
                consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now
            )
            if subscription.active and failures >= int(settings.WEBHOOK_DISABLE_AFTER):
                disabled = switch_off(subscription, failures, now)
            if delivery.attempts >= int(settings.WEBHOOK_MAX_ATTEMPTS):
                delivery.state = DeliveryState.FAILED
                delivery.finished_at = now
                delivery.next_attempt_at = None
                result = "failed"
            elif disabled or not subscription.active:
                delivery.state = DeliveryState.HELD
                delivery.next_attempt_at = None
                result = "held"
            else:
                delay = retry_delay(delivery.attempts)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
                result = "retry"
        delivery.save()
        _prune(subscription.pk)
    return result


def switch_off(subscription: Subscription, failures: int, now: object) -> bool:
    """Switches the subscription off after ``failures`` failed attempts in a row, holds its
    waiting deliveries and queues the admins' notice (inside the caller's transaction)."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Switched off after %(n)s failed deliveries in a row.") % {"n": failures}
    Subscription.objects.filter(pk=subscription.pk).update(
        active=False, disabled_at=now, disabled_reason=reason
    )
    subscription.active = False
    Delivery.objects.filter(subscription=subscription, state=DeliveryState.PENDING).update(
        state=DeliveryState.HELD, next_attempt_at=None
    )
    from loket.webhooks.notices import tell_admins

    tell_admins.enqueue(subscription.pk, failures)
    log.warning("webhook %s (%s) switched off: %s", subscription.pk, subscription.url, reason)
    return True


@task()
def prune_deliveries() -> int:
    """Finished deliveries (and their log lines) are kept ``WEBHOOK_KEEP_DAYS``; held and
    waiting ones stay until they are sent."""
    cutoff = timezone.now() - timedelta(days=int(settings.WEBHOOK_KEEP_DAYS))
    old = Delivery.objects.filter(
        state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED], finished_at__lt=cutoff
    )
    deleted, _by_model = old.delete()
    return deleted
