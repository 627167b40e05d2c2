"""Every change to a webhook subscription: checked (admins only, a reachable public URL),
written, and recorded in the audit log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import AuditEntry, User
from loket.lib import http, netguard
from loket.webhooks import signing
from loket.webhooks.delivery import Outcome, deliver, post
from loket.webhooks.dispatch import envelope
from loket.webhooks.models import (
    PING,
    Attempt,
    Delivery,
    DeliveryState,
    Kind,
    Subscription,
)


def _require_admin(by: User) -> None:
    if not (by.is_active and by.is_admin):
        raise PermissionDenied(_("Only admins manage webhooks."))


def check_target(url: str) -> str:
    """Refuses a URL the delivery could never reach: not http(s), or a host that is (or
    resolves to) a private, loopback or otherwise closed address. The message says why."""
    try:
        parsed = http.check_url(url)
    except http.Blocked as exc:
        raise ValidationError(str(exc)) from None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        netguard.resolve(parsed.host, port)
    except netguard.Refused as exc:
        raise ValidationError(
            _("%(reason)s Webhooks are only sent to public addresses.") % {"reason": exc}
        ) from None
    except netguard.NotResolved as exc:
        raise ValidationError(str(exc)) from None
    return str(parsed)


def _kinds(kinds: list[str]) -> list[str]:
    known = set(Kind.values)
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise ValidationError(_("Unknown event kind: %(kind)s") % {"kind": ", ".join(unknown)})
    if not kinds:
        raise ValidationError(_("Choose at least one event."))
    return [k for k in Kind.values if k in kinds]


def _audit(by: User, action: str, subscription: Subscription, **data: Any) -> None:
    AuditEntry.objects.create(
        actor=by,
        subject=None,
        action=action,
        data={"webhook": subscription.pk, "name": subscription.name, **data},
    )


@transaction.atomic
def create(
    *, name: str, url: str, kinds: list[str], by: User, secret: str = "", active: bool = True
) -> Subscription:
    _require_admin(by)
    subscription = Subscription.objects.create(
        name=name.strip()[:100] or url[:100],
        url=check_target(url),
        kinds=_kinds(kinds),
        secret=secret or signing.new_secret(),
        active=active,
        created_by=by,
    )
    _audit(by, "webhook_created", subscription, url=subscription.url, kinds=subscription.kinds)
    return subscription


@transaction.atomic
def update(
    subscription: Subscription, *, name: str, url: str, kinds: list[str], by: User
) -> Subscription:
    _require_admin(by)
    before = {"name": subscription.name, "url": subscription.url, "kinds": subscription.kinds}
    subscription.name = name.strip()[:100] or subscription.name
    subscription.url = check_target(url) if url != subscription.url else url
    subscription.kinds = _kinds(kinds)
    subscription.save(update_fields=["name", "url", "kinds"])
    after = {"name": subscription.name, "url": subscription.url, "kinds": subscription.kinds}
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if changed:
        _audit(by, "webhook_changed", subscription, changes=changed)
    return subscription


@transaction.atomic
def new_secret(subscription: Subscription, *, by: User) -> str:
    _require_admin(by)
    secret = signing.new_secret()
    subscription.secret = secret
    subscription.save(update_fields=["secret"])
    _audit(by, "webhook_secret_changed", subscription)
    return secret


@transaction.atomic
def delete(subscription: Subscription, *, by: User) -> None:
    _require_admin(by)
    _audit(by, "webhook_deleted", subscription, url=subscription.url)
    subscription.delete()


@transaction.atomic
def switch_on(subscription: Subscription, *, by: User) -> int:
    """Switches the webhook on (again): the failure count starts over, and deliveries held
    while it was off are sent, each with a fresh set of attempts. Returns how many."""
    _require_admin(by)
    subscription.active = True
    subscription.consecutive_failures = 0
    subscription.disabled_at = None
    subscription.disabled_reason = ""
    subscription.save(
        update_fields=["active", "consecutive_failures", "disabled_at", "disabled_reason"]
    )
    held = list(
        Delivery.objects.filter(subscription=subscription, state=DeliveryState.HELD).values_list(
            "pk", flat=True
        )
    )
    Delivery.objects.filter(pk__in=held).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    for pk in held:
        deliver.enqueue(pk)
    _audit(by, "webhook_switched_on", subscription, resent=len(held))
    return len(held)


@transaction.atomic
def switch_off(subscription: Subscription, *, by: User) -> None:
    _require_admin(by)
    subscription.active = False
    subscription.disabled_at = timezone.now()
    subscription.disabled_reason = _("Switched off by %(name)s.") % {"name": by.name}
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
    _audit(by, "webhook_switched_off", subscription)


def send_test(subscription: Subscription, *, by: User) -> Attempt:
    """Sends a ``ping`` event now (not queued, not retried, not counted as a failure) and
    logs the answer."""
    import uuid

    _require_admin(by)
    uid = uuid.uuid4()
    now = timezone.now()
    data = {"webhook": {"id": subscription.pk, "name": subscription.name}, "by": by.name}
    body = envelope(uid, PING, now, data)
    outcome: Outcome = post(subscription, str(uid), PING, body.encode("utf-8"))
    return Attempt.objects.create(
        subscription=subscription,
        delivery=None,
        uid=uid,
        kind=PING,
        started_at=now,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        ok=outcome.ok,
        error=outcome.error,
        answer=outcome.answer,
    )
