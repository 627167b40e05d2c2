"""``/api/request-types`` (the types a caller may submit, with their field schema) and a
ticket's custom fields (``/api/tickets/{id}/fields``: read; agents change them)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from loket.api.auth import current_agent, current_user
from loket.api.errors import ERRORS, ApiError
from loket.api.schemas import Id
from loket.rules.actions_types import request_type_of, set_field_values
from loket.rules.fields import FieldErrors
from loket.rules.models_types import CustomField, FieldType, FieldValue, RequestType
from loket.rules.texts import pick
from loket.rules.types import fields_of, get_type_for, types_for
from loket.tickets.access import get_ticket_for
from loket.tickets.actions import NewAttachment

router = Router(tags=["request types"])

FieldKey = Annotated[str, Field(max_length=60)]
FieldValues = Annotated[dict[FieldKey, Any], Field(max_length=100)]


class OptionOut(Schema):
    value: str
    label: str
    labels: dict[str, str]


class FieldOut(Schema):
    key: str
    type: FieldType
    required: bool
    label: str
    labels: dict[str, str]
    help: str
    options: list[OptionOut]


class RequestTypeOut(Schema):
    key: str
    name: str
    names: dict[str, str]
    description: str
    fields: list[FieldOut]


class TicketFieldsOut(Schema):
    type: str | None
    fields: dict[str, Any]


class FieldsIn(Schema):
    fields: FieldValues


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def field_out(field: CustomField) -> FieldOut:
    options = [
        OptionOut(
            value=str(o.get("value", "")),
            label=pick(o.get("labels")) or str(o.get("value", "")),
            labels=_texts(o.get("labels")),
        )
        for o in field.options
        if isinstance(o, dict)
    ]
    return FieldOut(
        key=field.key,
        type=FieldType(field.field_type),
        required=field.required,
        label=pick(field.labels) or field.key,
        labels=_texts(field.labels),
        help=pick(field.help),
        options=options,
    )


def type_out(request_type: RequestType) -> RequestTypeOut:
    return RequestTypeOut(
        key=request_type.key,
        name=pick(request_type.names) or request_type.key,
        names=_texts(request_type.names),
        description=pick(request_type.descriptions),
        fields=[field_out(f) for f in fields_of(request_type)],
    )


@router.get("/request-types", response={200: list[RequestTypeOut], **ERRORS})
def list_types(request: HttpRequest) -> list[RequestTypeOut]:
    """The request types the caller may use in ``POST /tickets`` (``type`` and ``fields``):
    agents all active ones, customers those offered to their organisation's kind."""
    user = current_user(request)
    return [type_out(t) for t in types_for(user).prefetch_related("fields")]


def fields_error(exc: FieldErrors) -> ApiError:
    """422 naming the first refused field (``fields.KEY``), with every one in ``errors``."""
    details = [{"field": f"fields.{k}", "message": m} for k, m in exc.errors.items()]
    first = details[0]
    return ApiError(
        422,
        "invalid",
        _("%(field)s: %(problem)s") % {"field": first["field"], "problem": first["message"]},
        field=first["field"],
        errors=details,
    )


def decode_files(request_type: RequestType, values: dict[str, Any]) -> dict[str, Any]:
    """File fields arrive as ``{"filename": ..., "content_base64": ...}``."""
    decoded = dict(values)
    for field in fields_of(request_type):
        raw = values.get(field.key)
        if field.field_type != FieldType.FILE or raw is None:
            continue
        name = raw.get("filename") if isinstance(raw, dict) else None
        content = raw.get("content_base64") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name.strip() or not isinstance(content, str):
            raise fields_error(
                FieldErrors({field.key: _("Send the file as filename and content_base64.")})
            )
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise fields_error(
                FieldErrors({field.key: _("The file is not valid base64.")})
            ) from None
        decoded[field.key] = NewAttachment(filename=name.strip()[:255], data=data)
    return decoded


def chosen_type(user: Any, key: str) -> RequestType:
    from django.http import Http404

    try:
        return get_type_for(user, key)
    except Http404:
        raise ApiError(
            422, "unknown_reference", _("No such request type, or not yours to use."), "type"
        ) from None


def _values_of(ticket_id: int) -> dict[str, Any]:
    rows = FieldValue.objects.filter(ticket_id=ticket_id).select_related("field")
    return {v.field.key: v.value for v in rows}


@router.get("/tickets/{id}/fields", response={200: TicketFieldsOut, **ERRORS})
def ticket_fields(request: HttpRequest, id: Id) -> TicketFieldsOut:
    """A ticket's request type and custom field values."""
    user = current_user(request)
    ticket = get_ticket_for(user, id)
    request_type = request_type_of(ticket)
    return TicketFieldsOut(
        type=request_type.key if request_type else None, fields=_values_of(ticket.pk)
    )


@router.patch("/tickets/{id}/fields", response={200: TicketFieldsOut, **ERRORS})
def change_fields(request: HttpRequest, id: Id, payload: FieldsIn) -> TicketFieldsOut:
    """Agents: changes the given fields (null empties one); each change is a ``field`` event."""
    user = current_agent(request)
    ticket = get_ticket_for(user, id, write=True)
    try:
        set_field_values(ticket, dict(payload.fields), by=user)
    except FieldErrors as exc:
        raise fields_error(exc) from None
    request_type = request_type_of(ticket)
    return TicketFieldsOut(
        type=request_type.key if request_type else None, fields=_values_of(ticket.pk)
    )
