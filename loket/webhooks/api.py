"""``/api/webhooks``: outgoing webhook subscriptions and their delivery log, for admins.

The same rules as the desk's webhook pages (``loket.webhooks.views``): admins only (anyone
else gets 403, whatever the token), every change through ``loket.webhooks.actions`` (so the
target URL passes the same check as the desk form: http(s), and a host that is not, and does
not resolve to, a private, loopback or otherwise closed address; the audit log records it).
The signing secret is shown by the single webhook's GET and on creation, never in the list.
Bodies, headers and signatures of the deliveries: ``docs/webhooks.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from loket.accounts.models import User
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError
from loket.api.params import Limit, reject_unknown_params
from loket.api.schemas import Id, SafeText
from loket.webhooks import actions
from loket.webhooks.models import Attempt, DeliveryState, Kind, Subscription

router = Router(tags=["webhooks"])

Name = Annotated[str, Field(min_length=1, max_length=100), SafeText]
Url = Annotated[str, Field(min_length=1, max_length=500), SafeText]
KindName = Annotated[str, Field(max_length=40, description=" | ".join(Kind.values))]
Kinds = Annotated[list[KindName], Field(min_length=1, max_length=len(Kind.values))]


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    kinds: list[str]
    active: bool
    secret: str | None = Field(
        description="The signing secret: on creation and from GET /api/webhooks/{id} only."
    )
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str
    last_success_at: datetime | None
    last_failure_at: datetime | None
    waiting: int = Field(description="Deliveries waiting to be sent (or sent again).")
    held: int = Field(description="Deliveries held while the webhook is off.")
    created_at: datetime


class WebhookList(Schema):
    items: list[WebhookOut]


class WebhookIn(Schema):
    name: Name
    url: Url
    kinds: Kinds
    active: bool = True


class WebhookPatch(Schema):
    """Only the fields present change. ``active``: switching on resends what was held."""

    name: Name | None = None
    url: Url | None = None
    kinds: Kinds | None = None
    active: bool | None = None


class AttemptOut(Schema):
    id: int
    delivery: str = Field(description="The delivery id (X-Loket-Delivery, the body's id).")
    kind: str
    number: int = Field(description="Which attempt of this delivery (1 is the first).")
    started_at: datetime
    duration_ms: int
    status_code: int | None
    ok: bool
    error: str
    answer: str = Field(description="The start of the receiver's answer.")
    possible_duplicate: bool


class AttemptList(Schema):
    items: list[AttemptOut]


class AttemptParams(Schema):
    limit: Limit = 50


def _admin(request: HttpRequest) -> User:
    user = current_user(request)
    if not (user.is_active and user.is_admin):
        raise ApiError(403, "forbidden", _("Only admins manage webhooks."))
    return user


def _rows() -> QuerySet[Subscription]:
    return Subscription.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        held=Count("deliveries", filter=Q(deliveries__state=DeliveryState.HELD)),
    ).order_by("name", "pk")


def _get(pk: int) -> Subscription:
    found = _rows().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _out(s: Subscription, *, secret: bool) -> WebhookOut:
    return WebhookOut(
        id=s.pk,
        name=s.name,
        url=s.url,
        kinds=list(s.kinds or []),
        active=s.active,
        secret=s.secret if secret else None,
        consecutive_failures=s.consecutive_failures,
        disabled_at=s.disabled_at,
        disabled_reason=s.disabled_reason,
        last_success_at=s.last_success_at,
        last_failure_at=s.last_failure_at,
        waiting=getattr(s, "waiting", 0),
        held=getattr(s, "held", 0),
        created_at=s.created_at,
    )


def _refused(exc: ValidationError, field: str) -> ApiError:
    return ApiError(422, "invalid", " ".join(exc.messages), field=field)


def _kinds(kinds: list[str]) -> list[str]:
    unknown = [k for k in kinds if k not in Kind.values]
    if unknown:
        raise ApiError(
            422, "invalid", _("Unknown event kind: %(kind)s") % {"kind": ", ".join(unknown)},
            field="kinds",
        )  # fmt: skip
    return kinds


@router.get("/webhooks", response={200: WebhookList, **ERRORS})
def list_webhooks(request: HttpRequest) -> WebhookList:
    """Every webhook, by name (admins only), without the secrets."""
    reject_unknown_params(request, ())
    _admin(request)
    return WebhookList(items=[_out(s, secret=False) for s in _rows()])


@router.post("/webhooks", response={201: WebhookOut, **ERRORS})
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status[WebhookOut]:
    """A new webhook (admins only) with a new signing secret, shown in the answer. The URL
    must be an http(s) address on the internet: a private or loopback target is a 422 on
    ``url`` (unless its network is in ``LOKET_HTTP_ALLOWED_NETWORKS``)."""
    user = _admin(request)
    kinds = _kinds(payload.kinds)
    try:
        made = actions.create(
            name=payload.name, url=payload.url, kinds=kinds, by=user, active=payload.active
        )
    except ValidationError as exc:
        raise _refused(exc, "url") from None
    return Status(201, _out(_get(made.pk), secret=True))


@router.get("/webhooks/{id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request: HttpRequest, id: Id) -> WebhookOut:
    """One webhook, with its signing secret (admins only)."""
    _admin(request)
    return _out(_get(id), secret=True)


@router.patch("/webhooks/{id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request: HttpRequest, id: Id, payload: WebhookPatch) -> WebhookOut:
    """Changes the fields present (admins only); a new URL is checked as on creation.
    ``active: false`` switches it off (new events are held), ``true`` on again (the failure
    count starts over and what was held is sent)."""
    user = _admin(request)
    found = _get(id)
    given = payload.model_dump(include=payload.model_fields_set)
    for name, value in given.items():
        if value is None:
            raise ApiError(422, "invalid", _("This field may not be null."), field=name)
    if {"name", "url", "kinds"} & given.keys():
        try:
            actions.update(
                found,
                name=given.get("name", found.name),
                url=given.get("url", found.url),
                kinds=_kinds(given.get("kinds", found.kinds)),
                by=user,
            )
        except ValidationError as exc:
            raise _refused(exc, "url" if "url" in given else "kinds") from None
    if "active" in given and given["active"] != found.active:
        if given["active"]:
            actions.switch_on(found, by=user)
        else:
            actions.switch_off(found, by=user)
    return _out(_get(id), secret=False)


@router.delete("/webhooks/{id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, id: Id) -> Status[None]:
    """Deletes the webhook with its waiting deliveries and its log (admins only)."""
    user = _admin(request)
    actions.delete(_get(id), by=user)
    return Status(204, None)


@router.get("/webhooks/{id}/attempts", response={200: AttemptList, **ERRORS})
def webhook_log(
    request: HttpRequest, id: Id, params: Query[AttemptParams]
) -> AttemptList:  # fmt: skip
    """The delivery log: the newest requests to the webhook's URL first, with what came
    back (admins only; the desk keeps the last ``LOKET_WEBHOOK_LOG_KEEP``)."""
    reject_unknown_params(request, ("limit",))
    _admin(request)
    found = _get(id)
    rows = Attempt.objects.filter(subscription=found).order_by("-id")[: params.limit]
    return AttemptList(
        items=[
            AttemptOut(
                id=a.pk,
                delivery=str(a.uid),
                kind=a.kind,
                number=a.number,
                started_at=a.started_at,
                duration_ms=a.duration_ms,
                status_code=a.status_code,
                ok=a.ok,
                error=a.error,
                answer=a.answer,
                possible_duplicate=a.possible_duplicate,
            )
            for a in rows
        ]
    )
