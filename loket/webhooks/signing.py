"""The signature on every webhook request (see docs/webhooks.md for a receiver's side).

``X-Loket-Signature: sha256=<hex>`` is the HMAC-SHA256, keyed with the subscription's secret,
of ``"<X-Loket-Timestamp>.<raw body>"``. The timestamp (Unix seconds) is signed with the body,
so a receiver that also refuses old timestamps refuses replays.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)
