"""``Idempotency-Key`` on API writes: a retry of a request whose answer was lost (a node died,
the network broke) gets the first answer again instead of doing the work twice.

The key is claimed in the same transaction as the request's own writes, so a request that
dies before it commits leaves neither its work nor its claim: the retry simply runs. A
second request with the same key while the first still runs gets 409 ``idempotency_key_in_use``
with ``Retry-After``; the same key on a different method, path or body gets 422
``idempotency_key_reused``. Answers of 5xx are not kept (the work was not done). Keys are
kept ``KEEP`` long (pruned by a periodic job) and scoped to the caller.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.api.models import IdempotentRequest

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 255
MAX_KEPT_BODY = 1024 * 1024
KEEP = timedelta(hours=24)


def _problem(status: int, code: str, message: str, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"code": code, "message": message}),
        status=status,
        content_type="application/json",
    )
    for name, value in headers.items():
        response[name] = value
    return response


def _caller(request: HttpRequest) -> str | None:
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS:
            return self.get_response(request)
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _problem(
                400,
                "bad_idempotency_key",
                _("An Idempotency-Key is 1 to 255 printable characters."),
            )
        caller = _caller(request)
        if caller is None:  # the API answers 401 itself; nothing to remember
            return self.get_response(request)
        scope = hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()
        fingerprint = hashlib.sha256(
            f"{request.method} {request.get_full_path()}\n".encode() + request.body
        ).hexdigest()
        earlier = IdempotentRequest.objects.filter(
            scope=scope, created_at__gte=timezone.now() - KEEP
        ).first()
        if earlier is not None:
            return self._again(earlier, fingerprint)
        return self._first(request, scope, fingerprint)

    def _again(self, earlier: IdempotentRequest, fingerprint: str) -> HttpResponse:
        if earlier.fingerprint != fingerprint:
            return _problem(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for a different request."),
            )
        if earlier.status is None:
            return _problem(
                409,
                "idempotency_key_in_use",
                _("A request with this Idempotency-Key is still running."),
                **{"Retry-After": "1"},
            )
        response = HttpResponse(
            bytes(earlier.body), status=earlier.status, content_type=earlier.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response

    def _first(self, request: HttpRequest, scope: str, fingerprint: str) -> HttpResponse:
        IdempotentRequest.objects.filter(scope=scope, created_at__lt=timezone.now() - KEEP).delete()
        try:
            with transaction.atomic():
                claim = IdempotentRequest.objects.create(scope=scope, fingerprint=fingerprint)
                response = self.get_response(request)
                if response.status_code >= 500 or response.streaming:
                    transaction.set_rollback(True)
                    return response
                body = response.content
                if len(body) <= MAX_KEPT_BODY:
                    claim.status = response.status_code
                    claim.content_type = response.get("Content-Type", "")
                    claim.body = body
                    claim.save(update_fields=["status", "content_type", "body"])
                else:  # too big to keep: a retry runs again
                    claim.delete()
                return response
        except IntegrityError:
            # another request with this key claimed it first, and still runs
            return _problem(
                409,
                "idempotency_key_in_use",
                _("A request with this Idempotency-Key is still running."),
                **{"Retry-After": "1"},
            )
