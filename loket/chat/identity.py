"""Signed-in visitors of the host site: the site's server signs the user id with the channel
secret (``HMAC-SHA256(secret, user_id)``, hex), so a visitor cannot claim to be someone else.

For example, in Python on the host site: ``hmac.new(secret.encode(), str(user.id).encode(),
hashlib.sha256).hexdigest()``, put in the snippet as ``data-user-id`` and ``data-user-hash``.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verify(secret: str, user_id: str, signature: str) -> bool:
    if not user_id or not signature or len(signature) > 128:
        return False
    return hmac.compare_digest(sign(secret, user_id), signature.lower())
