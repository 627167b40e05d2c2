"""Every API error is one JSON shape: ``{"code": ..., "message": ..., "field": ...}``.

Bad input is the caller's fault and gets 400 (query string, path) or 422 (body) with the field
named; refused actions get 409; nothing a caller sends may turn into a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from loket.lib.files import AttachmentRejected
from loket.lib.html import HtmlTooComplex
from loket.lib.overload import RETRY_AFTER_SECONDS
from loket.tickets.actions import ActionError
from loket.tickets.states import TransitionError

logger = logging.getLogger(__name__)


class FieldError(Schema):
    field: str | None = None
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[FieldError] | None = None


ERRORS: dict[int, type[ErrorOut]] = {
    status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422)
}


class ApiError(Exception):
    """An error raised by our own handlers, with its status, code and (optional) field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.errors = errors


def bad_request(code: str, message: str, field: str | None = None) -> ApiError:
    return ApiError(400, code, message, field)


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if errors:
        body["errors"] = list(errors)
    return api.create_response(request, body, status=status)


def _field_of(loc: Sequence[Any]) -> str | None:
    """``["body", "payload", "tags", 0]`` → ``tags.0``; ``["query", "limit"]`` → ``limit``."""
    parts = [str(p) for p in loc]
    parts = parts[2:] if parts and parts[0] == "body" else parts[1:]
    return ".".join(parts) or None


def _validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = [
        {"field": _field_of(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors
    ]
    in_body = any(e.get("loc", ("",))[0] in ("body", "form", "file") for e in exc.errors)
    first = details[0] if details else {"field": None, "message": _("Invalid input.")}
    if first["field"]:
        message = _("%(field)s: %(problem)s") % {
            "field": first["field"],
            "problem": first["message"],
        }
    else:
        message = first["message"] or _("Invalid input.")
    return error_response(
        api,
        request,
        422 if in_body else 400,
        "invalid",
        message,
        field=first["field"],
        errors=details,
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "throttled",
}


def _http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _HTTP_CODES.get(exc.status_code, "error")
    if isinstance(exc, AuthenticationError):
        response = error_response(
            api,
            request,
            401,
            code,
            _("Authentication required: send 'Authorization: Bearer <token>' or sign in."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        return error_response(
            api, request, 400, "bad_json", _("The request body is not valid JSON.")
        )
    return error_response(api, request, exc.status_code, code, message)


def _api_error(api: NinjaAPI, request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error_response(
        api, request, exc.status, exc.code, exc.message, exc.field, errors=exc.errors
    )
    if exc.status == 429:
        response["Retry-After"] = "60"
    elif exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _not_found(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(api, request, 404, "not_found", _("Not found."))


def _forbidden(api: NinjaAPI, request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return error_response(api, request, 403, "forbidden", message)


def _action_error(api: NinjaAPI, request: HttpRequest, exc: ActionError) -> HttpResponse:
    code = "invalid_transition" if isinstance(exc.__cause__, TransitionError) else "refused"
    return error_response(api, request, 409, code, str(exc))


def _transition_error(api: NinjaAPI, request: HttpRequest, exc: TransitionError) -> HttpResponse:
    return error_response(api, request, 409, "invalid_transition", str(exc), field="state")


def _attachment_rejected(
    api: NinjaAPI, request: HttpRequest, exc: AttachmentRejected
) -> HttpResponse:
    return error_response(api, request, 413, "attachment_too_large", str(exc), "attachments")


def _html_too_complex(api: NinjaAPI, request: HttpRequest, exc: HtmlTooComplex) -> HttpResponse:
    # Refused before any parsing: the sanitiser's cost grows faster than the nesting.
    return error_response(api, request, 422, "html_too_complex", str(exc), "body_html")


def _too_big(api: NinjaAPI, request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(api, request, 413, "too_large", _("The request is too large."))


def _suspicious(api: NinjaAPI, request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error_response(api, request, 400, "bad_request", _("The request was refused."))


def _integrity(api: NinjaAPI, request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Reached only by a race between our check and the insert (e.g. two creates of one name).
    return error_response(
        api, request, 409, "conflict", _("This conflicts with a change made at the same time.")
    )


def _database(api: NinjaAPI, request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # A locked or unreachable database: worth a retry, not the caller's fault.
    logger.exception("database error in API call %s %s", request.method, request.path)
    response = error_response(
        api, request, 503, "unavailable", _("The database could not complete the request.")
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _unexpected(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error in API call %s %s", request.method, request.path)
    return error_response(api, request, 500, "server_error", _("Something went wrong on our side."))


def install(api: NinjaAPI) -> None:
    """Replaces ninja's handlers, so that no error leaves the API in another shape."""
    handlers: list[tuple[type[Exception], Callable[[NinjaAPI, HttpRequest, Any], HttpResponse]]]
    handlers = [
        (Exception, _unexpected),
        (OperationalError, _database),
        (IntegrityError, _integrity),
        (SuspiciousOperation, _suspicious),
        (RequestDataTooBig, _too_big),
        (ValidationError, _validation_error),
        (HttpError, _http_error),
        (ApiError, _api_error),
        (Http404, _not_found),
        (PermissionDenied, _forbidden),
        (ActionError, _action_error),
        (TransitionError, _transition_error),
        (AttachmentRejected, _attachment_rejected),
        (HtmlTooComplex, _html_too_complex),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, _bind(api, handler))


def _bind(
    api: NinjaAPI, handler: Callable[[NinjaAPI, HttpRequest, Any], HttpResponse]
) -> Callable[[HttpRequest, Any], HttpResponse]:
    def bound(request: HttpRequest, exc: Any) -> HttpResponse:
        return handler(api, request, exc)

    return bound
