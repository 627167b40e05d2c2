"""``/api/monitors``: list, create, read, change and delete monitors, and read their results.

Agents read; only managers and admins (``User.is_manager``) create, change and delete, as in
the Django admin; customers get a 403. Input is checked by the model's own rules
(``Monitor.full_clean``: interval, time-out, target and its URL check) so the API and the
admin accept exactly the same monitors; a rule that fails is a 422 naming the field.
Request headers, body and the heartbeat URL can hold secrets: only managers see them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from loket.accounts.models import Team, User
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError
from loket.api.params import Limit, reject_unknown_params
from loket.api.schemas import Id, SafeText
from loket.monitor.models import CheckResult, Kind, Monitor, Outcome

router = Router(tags=["monitors"])

KindName = Literal["http", "tls", "dns", "tcp", "push"]
MethodName = Literal["GET", "HEAD", "POST", "PUT", "OPTIONS"]
Count = Annotated[int, Field(ge=0, le=2**31 - 1)]
Name = Annotated[str, Field(max_length=200), SafeText]
Target = Annotated[str, Field(max_length=2000), SafeText]
Text = Annotated[str, Field(max_length=500), SafeText]
RequestBody = Annotated[str, Field(max_length=100_000), SafeText]
StatusCodes = Annotated[str, Field(max_length=100), SafeText]
Component = Annotated[str, Field(max_length=100), SafeText]
Headers = dict[Annotated[str, Field(max_length=200), SafeText], Annotated[str, SafeText]]
# The status page's name per language code ({"nl": "Webwinkel"}); only the desk's languages.
PublicNames = dict[
    Annotated[str, Field(max_length=10)], Annotated[str, Field(max_length=200), SafeText]
]
Position = Annotated[int, Field(ge=0, le=2**31 - 1)]

# Fields a caller may set; every one of them is checked again by ``Monitor.full_clean``.
EDITABLE = (
    "name",
    "kind",
    "target",
    "method",
    "request_headers",
    "request_body",
    "expected_status",
    "expect_text",
    "absent_text",
    "max_response_ms",
    "follow_redirects",
    "verify_tls",
    "tls_warn_days",
    "interval_seconds",
    "timeout_seconds",
    "retries",
    "component",
    "public",
    "public_names",
    "status_position",
    "auto_resolve",
    "enabled",
)


class MonitorOut(Schema):
    id: int
    name: str
    kind: str
    target: str
    method: str
    request_headers: dict[str, Any] | None = Field(description="Managers only.")
    request_body: str | None = Field(description="Managers only.")
    expected_status: str
    expect_text: str
    absent_text: str
    max_response_ms: int | None
    follow_redirects: bool
    verify_tls: bool
    tls_warn_days: int
    interval_seconds: int
    timeout_seconds: int
    retries: int
    team: int | None
    component: str = Field(description="The group the status page shows it in.")
    public: bool
    public_names: dict[str, str] = Field(description="Status-page name per language code.")
    status_position: int = Field(description="Order on the status page; lower first.")
    auto_resolve: bool
    enabled: bool
    push_url: str | None = Field(description="Heartbeat monitors; managers only.")
    status: str
    status_since: datetime | None
    failures: int
    last_error: str
    last_push_at: datetime | None
    created_at: datetime


class MonitorList(Schema):
    items: list[MonitorOut]


class MonitorIn(Schema):
    name: Name
    kind: KindName = "http"
    target: Target = ""
    method: MethodName = "GET"
    request_headers: Headers = Field(default_factory=dict)
    request_body: RequestBody = ""
    expected_status: StatusCodes = "200-299"
    expect_text: Text = ""
    absent_text: Text = ""
    max_response_ms: Count | None = None
    follow_redirects: bool = True
    verify_tls: bool = True
    tls_warn_days: Annotated[int, Field(ge=0, le=32767)] = 14
    interval_seconds: Count = 60
    timeout_seconds: Count = 10
    retries: Annotated[int, Field(ge=0, le=32767)] = 1
    team: Id | None = Field(None, description="A team's id; empty: the default second line.")
    component: Component = ""
    public: bool = True
    public_names: PublicNames = Field(default_factory=dict)
    status_position: Position = 0
    auto_resolve: bool = True
    enabled: bool = True


class MonitorPatch(Schema):
    """Only the fields present change."""

    name: Name | None = None
    kind: KindName | None = None
    target: Target | None = None
    method: MethodName | None = None
    request_headers: Headers | None = None
    request_body: RequestBody | None = None
    expected_status: StatusCodes | None = None
    expect_text: Text | None = None
    absent_text: Text | None = None
    max_response_ms: Count | None = None
    follow_redirects: bool | None = None
    verify_tls: bool | None = None
    tls_warn_days: Annotated[int, Field(ge=0, le=32767)] | None = None
    interval_seconds: Count | None = None
    timeout_seconds: Count | None = None
    retries: Annotated[int, Field(ge=0, le=32767)] | None = None
    team: Id | None = None
    component: Component | None = None
    public: bool | None = None
    public_names: PublicNames | None = Field(
        None, description="Replaces all of them; an empty name drops that language."
    )
    status_position: Position | None = None
    auto_resolve: bool | None = None
    enabled: bool | None = None


class ResultOut(Schema):
    id: int
    at: datetime
    outcome: str = Field(description="failed, up or maintenance.")
    status_code: int | None
    total_ms: int | None
    dns_ms: int | None
    connect_ms: int | None
    tls_ms: int | None
    first_byte_ms: int | None
    size: int | None
    lag_ms: int | None
    error: str


class ResultList(Schema):
    items: list[ResultOut]


class ResultParams(Schema):
    limit: Limit = 50


def monitor_out(m: Monitor, viewer: User) -> MonitorOut:
    secret = viewer.is_manager
    push_url = None
    if secret and m.kind == Kind.PUSH:
        push_url = settings.BASE_URL.rstrip("/") + m.push_path
    return MonitorOut(
        id=m.pk,
        name=m.name,
        kind=m.kind,
        target=m.target,
        method=m.method,
        request_headers=m.request_headers if secret else None,
        request_body=m.request_body if secret else None,
        expected_status=m.expected_status,
        expect_text=m.expect_text,
        absent_text=m.absent_text,
        max_response_ms=m.max_response_ms,
        follow_redirects=m.follow_redirects,
        verify_tls=m.verify_tls,
        tls_warn_days=m.tls_warn_days,
        interval_seconds=m.interval_seconds,
        timeout_seconds=m.timeout_seconds,
        retries=m.retries,
        team=m.team_id,
        component=m.component,
        public=m.public,
        public_names=m.public_names if isinstance(m.public_names, dict) else {},
        status_position=m.status_position,
        auto_resolve=m.auto_resolve,
        enabled=m.enabled,
        push_url=push_url,
        status=m.status,
        status_since=m.status_since,
        failures=m.failures,
        last_error=m.last_error,
        last_push_at=m.last_push_at,
        created_at=m.created_at,
    )


def result_out(r: CheckResult) -> ResultOut:
    return ResultOut(
        id=r.pk,
        at=datetime.fromtimestamp(r.at, tz=UTC),
        outcome=Outcome(r.outcome).name.lower(),
        status_code=r.status_code,
        total_ms=r.total_ms,
        dns_ms=r.dns_ms,
        connect_ms=r.connect_ms,
        tls_ms=r.tls_ms,
        first_byte_ms=r.first_byte_ms,
        size=r.size,
        lag_ms=r.lag_ms,
        error=r.error,
    )


def _require_agent(user: User) -> None:
    if not user.is_agent:
        raise ApiError(403, "forbidden", _("Only agents may see monitors."))


def _require_manager(user: User) -> None:
    if not user.is_manager:
        raise ApiError(403, "forbidden", _("Only managers may change monitors."))


def _get(pk: int) -> Monitor:
    try:
        return Monitor.objects.get(pk=pk)
    except Monitor.DoesNotExist:
        raise Http404 from None


def _team(pk: int | None) -> Team | None:
    if pk is None:
        return None
    found = Team.objects.filter(pk=pk).first()
    if found is None:
        raise ApiError(422, "invalid", _("No such team."), field="team")
    return found


def _validate(m: Monitor) -> None:
    """The model's own rules (as the admin form applies them); the first failure is a 422."""
    try:
        m.full_clean(exclude=["push_token"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            name = None if field == NON_FIELD_ERRORS else field
            raise ApiError(422, "invalid", " ".join(messages), field=name) from None


def _public_names(given: dict[str, str]) -> dict[str, str]:
    """Only the desk's languages; names with their spaces tidied, empty ones left out (as the
    status page settings store them)."""
    codes = {code for code, _language in settings.LANGUAGES}
    names = {}
    for code, value in given.items():
        if code not in codes:
            raise ApiError(
                422,
                "invalid",
                _("Unknown language %(code)s; use one of: %(codes)s.")
                % {"code": code, "codes": ", ".join(sorted(codes))},
                field="public_names",
            )
        tidy = " ".join(value.split())
        if tidy:
            names[code] = tidy
    return names


def _apply(m: Monitor, values: dict[str, Any]) -> None:
    if values.get("public_names") is not None:
        values = {**values, "public_names": _public_names(values["public_names"])}
    if "component" in values and values["component"] is not None:
        values = {**values, "component": " ".join(values["component"].split())}
    for name in EDITABLE:
        if name in values:
            setattr(m, name, values[name])
    if "team" in values:
        m.team = _team(values["team"])


@router.get("/monitors", response={200: MonitorList, **ERRORS})
def list_monitors(request: HttpRequest) -> MonitorList:
    """Every monitor, by component and name (agents only)."""
    reject_unknown_params(request, ())
    user = current_user(request)
    _require_agent(user)
    return MonitorList(items=[monitor_out(m, user) for m in Monitor.objects.all()])


@router.post("/monitors", response={201: MonitorOut, **ERRORS})
def create_monitor(request: HttpRequest, payload: MonitorIn) -> Status[MonitorOut]:
    """A new monitor (managers only); its first check comes within one interval."""
    user = current_user(request)
    _require_manager(user)
    m = Monitor()
    _apply(m, payload.model_dump())
    _validate(m)
    m.spread_first_check()
    m.save()
    return Status(201, monitor_out(m, user))


@router.get("/monitors/{id}", response={200: MonitorOut, **ERRORS})
def get_monitor(request: HttpRequest, id: Id) -> MonitorOut:
    user = current_user(request)
    _require_agent(user)
    return monitor_out(_get(id), user)


@router.patch("/monitors/{id}", response={200: MonitorOut, **ERRORS})
def update_monitor(request: HttpRequest, id: Id, payload: MonitorPatch) -> MonitorOut:
    """Changes the fields present (managers only). The live state is the checker's."""
    user = current_user(request)
    _require_agent(user)
    with transaction.atomic():
        m = Monitor.objects.select_for_update().filter(pk=id).first()
        if m is None:
            raise Http404
        _require_manager(user)
        given = payload.model_dump(include=payload.model_fields_set)
        for name, value in given.items():
            if value is None and name not in ("max_response_ms", "team"):
                raise ApiError(422, "invalid", _("This field may not be null."), field=name)
        before = (m.interval_seconds, m.enabled)
        _apply(m, given)
        _validate(m)
        if (m.interval_seconds, m.enabled) != before:
            m.spread_first_check()
        m.save()
    return monitor_out(m, user)


@router.delete("/monitors/{id}", response={204: None, **ERRORS})
def delete_monitor(request: HttpRequest, id: Id) -> Status[None]:
    """Deletes the monitor and its results; its incidents stay, without the monitor."""
    user = current_user(request)
    _require_agent(user)
    m = _get(id)
    _require_manager(user)
    m.delete()
    return Status(204, None)


@router.get("/monitors/{id}/results", response={200: ResultList, **ERRORS})
def list_results(request: HttpRequest, id: Id, params: Query[ResultParams]) -> ResultList:
    """The latest raw check results, newest first (older ones are rolled up into figures)."""
    reject_unknown_params(request, ResultParams.model_fields)
    user = current_user(request)
    _require_agent(user)
    m = _get(id)
    rows = CheckResult.objects.filter(monitor=m).order_by("-id")[: params.limit]
    return ResultList(items=[result_out(r) for r in rows])
