"""Web Push to an agent's phone or computer, with the tab closed (RFC 8030, 8291, 8292).

* Keys: the desk's VAPID key pair comes from ``VAPID_PRIVATE_KEY`` (PEM, or the raw key in
  base64url) or, without it, is made once and stored sealed (``PushKeys``). Browsers bind a
  subscription to the public key, so it must not change: keep the row (or the setting).
* Sending: ``PushTransport.send`` only queues the ``send_push`` task (``notify`` queue, in the
  caller's transaction); the task encrypts the payload for each of the agent's browsers with
  ``pywebpush`` (aes128gcm, RFC 8291) and posts it through the guarded HTTP client
  (``loket.lib.http``: no private addresses unless an admin allowed them, time and size
  limits, no redirects). A push service answering 404 or 410 has forgotten the subscription:
  it is removed.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task
from py_vapid import Vapid02
from pywebpush import WebPusher

from loket.accounts.models import User
from loket.lib import http, sealed
from loket.sla.models import NotifySettings, PushKeys, PushSubscription

log = logging.getLogger(__name__)

TTL_SECONDS = 4 * 3600  # a page older than a few hours is no use
GONE = frozenset({404, 410})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _public(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(raw)


def _from_setting(value: str) -> Vapid02:
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return Vapid02.from_pem(value.encode("ascii"))
    return Vapid02.from_raw(value.encode("ascii"))


def _stored() -> PushKeys:
    found = PushKeys.objects.filter(pk=1).first()
    if found is not None and not sealed.is_unreadable(found.private_key):
        return found
    vapid = Vapid02()
    vapid.generate_keys()
    pem = vapid.private_pem().decode("ascii")
    try:
        with transaction.atomic():
            if found is not None:  # SECRET_KEY changed without a fallback: make new keys
                found.private_key, found.public_key = pem, _public(vapid)
                found.save(update_fields=["private_key", "public_key"])
                return found
            return PushKeys.objects.create(pk=1, private_key=pem, public_key=_public(vapid))
    except IntegrityError:  # another process made them first
        return PushKeys.objects.get(pk=1)


@dataclass(frozen=True)
class Keys:
    vapid: Vapid02
    public_key: str


def keys() -> Keys:
    """The desk's VAPID keys (from the settings, else stored; made on first use)."""
    configured = str(getattr(settings, "VAPID_PRIVATE_KEY", "") or "")
    if configured:
        vapid = _from_setting(configured)
        return Keys(vapid, _public(vapid))
    row = _stored()
    return Keys(Vapid02.from_pem(str(row.private_key).encode("ascii")), row.public_key)


def subject() -> str:
    """The contact the push services see in the VAPID claims (RFC 8292 ``sub``)."""
    configured = str(getattr(settings, "VAPID_SUBJECT", "") or "")
    if configured:
        return configured
    return "mailto:" + settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()


class PushTransport:
    """``loket.sla.transports.Transport`` for Web Push: queues the sending."""

    name = "push"

    def reaches(self, person: User, prefs: NotifySettings) -> bool:
        return PushSubscription.objects.filter(agent=person).exists()

    def send(self, person: User, prefs: NotifySettings, subject: str, text: str, url: str) -> None:
        send_push.enqueue(person.pk, subject, text, url)


def payload(title: str, body: str, url: str) -> bytes:
    """What the service worker (``loket/static/loket/sw.js``) shows."""
    data = {"title": title[:120], "body": body[:300], "url": url, "tag": url}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _request(
    subscription: PushSubscription, data: bytes, found: Keys
) -> tuple[dict[str, str], bytes]:
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    encoded = WebPusher(info).encode(data, content_encoding="aes128gcm")
    parts = urlsplit(subscription.endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
        "sub": subject(),
    }
    headers = {
        **found.vapid.sign(claims),
        "TTL": str(TTL_SECONDS),
        "Urgency": "high",
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
    }
    return headers, bytes(encoded["body"])


async def _post_all(
    requests: list[tuple[PushSubscription, dict[str, str], bytes]],
) -> list[tuple[PushSubscription, int | None, str]]:
    answers: list[tuple[PushSubscription, int | None, str]] = []
    async with http.Client() as client:
        for subscription, headers, body in requests:
            try:
                response = await client.request(
                    "POST",
                    subscription.endpoint,
                    headers=headers,
                    content=body,
                    timeout=10.0,
                    max_bytes=16 * 1024,
                    truncate=True,
                    follow_redirects=False,
                )
            except http.HttpError as exc:
                answers.append((subscription, None, str(exc)))
                continue
            answers.append((subscription, response.status_code, response.text[:200]))
    return answers


@task(queue_name="notify")
def send_push(agent_id: int, title: str, body: str, url: str) -> int:
    """Sends one notification to every browser of the agent; returns how many took it.
    Subscriptions the push service no longer knows (404, 410) are removed."""
    subscriptions = list(PushSubscription.objects.filter(agent_id=agent_id).order_by("pk"))
    if not subscriptions:
        return 0
    found = keys()
    data = payload(title, body, url)
    requests = []
    for subscription in subscriptions:
        try:
            headers, encrypted = _request(subscription, data, found)
        except Exception as exc:  # a broken key from a browser (pywebpush, cryptography)
            log.warning("push subscription %s unusable: %s", subscription.pk, exc)
            subscription.delete()
            continue
        requests.append((subscription, headers, encrypted))
    delivered = 0
    for subscription, status, detail in http.run_blocking(_post_all(requests)):
        if status is not None and 200 <= status < 300:
            delivered += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
        elif status in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
        else:
            log.warning("push to agent %s failed (%s): %s", agent_id, status or "no answer", detail)
    return delivered
