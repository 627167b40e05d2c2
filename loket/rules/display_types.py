"""A ticket's request type and field values as people read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from loket.rules.fields import option_label
from loket.rules.models_types import CustomField, FieldType, FieldValue, RequestType
from loket.rules.types import fields_of


@dataclass(frozen=True)
class Shown:
    key: str
    label: str
    text: str
    is_url: bool = False


def show_value(field: CustomField, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    kind = field.field_type
    if kind == FieldType.CHECKBOX:
        return _("yes") if value else _("no")
    if kind == FieldType.SELECT:
        return option_label(field, str(value))
    if kind == FieldType.MULTI_SELECT and isinstance(value, list):
        return ", ".join(option_label(field, str(v)) for v in value)
    if kind == FieldType.FILE and isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


def shown_fields(request_type: RequestType, ticket_id: int) -> list[Shown]:
    values = {v.field_id: v.value for v in FieldValue.objects.filter(ticket_id=ticket_id)}
    return [
        Shown(
            f.key,
            str(f),
            show_value(f, values.get(f.pk)),
            is_url=f.field_type == FieldType.URL and bool(values.get(f.pk)),
        )
        for f in fields_of(request_type)
    ]


def edit_initial(request_type: RequestType, ticket_id: int) -> dict[str, Any]:
    """The form's initial values (``cf_KEY``) for the agent's field editor."""
    from loket.rules.forms_fields import PREFIX

    values = {
        v.field_id: v.value
        for v in FieldValue.objects.filter(ticket_id=ticket_id).select_related("field")
    }
    initial: dict[str, Any] = {}
    for f in fields_of(request_type):
        if f.pk in values:
            initial[PREFIX + f.key] = values[f.pk]
    return initial
