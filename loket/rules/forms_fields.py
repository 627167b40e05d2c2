"""A request type's custom fields as Django form fields, added to any form (portal, contact,
agent's new ticket, the ticket page's field editor). Django's fields only read what the
browser sent; ``loket.rules.fields`` checks the values, the same as for the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from loket.lib.files import AttachmentRejected, check_size
from loket.rules.fields import FieldErrors, clean_values, option_label
from loket.rules.models_types import CustomField, FieldType
from loket.rules.texts import pick
from loket.tickets.actions import NewAttachment

PREFIX = "cf_"


def _choices(field: CustomField) -> list[tuple[str, str]]:
    return [(v, option_label(field, v)) for v in field.option_values()]


def form_field(field: CustomField, *, for_edit: bool = False) -> forms.Field:
    """The form field for ``field``; every one optional here (required is checked by
    ``loket.rules.fields`` so that the message is the same everywhere)."""
    label = pick(field.labels) or field.key
    help_text = pick(field.help)
    common: dict[str, Any] = {"label": label, "help_text": help_text, "required": False}
    kind = field.field_type
    attrs = {"data-field": field.key}
    if field.required:
        attrs["aria-required"] = "true"
    if kind == FieldType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={**attrs, "rows": 4}), **common)
    if kind in (FieldType.NUMBER, FieldType.MONEY):
        step = "0.01" if kind == FieldType.MONEY else "any"
        return forms.CharField(
            widget=forms.NumberInput(attrs={**attrs, "step": step, "class": "num"}), **common
        )
    if kind == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={**attrs, "type": "date"}), **common)
    if kind == FieldType.SELECT:
        return forms.ChoiceField(
            choices=[("", "—"), *_choices(field)], widget=forms.Select(attrs=attrs), **common
        )
    if kind == FieldType.MULTI_SELECT:
        return forms.MultipleChoiceField(
            choices=_choices(field), widget=forms.CheckboxSelectMultiple(attrs=attrs), **common
        )
    if kind == FieldType.CHECKBOX:
        return forms.BooleanField(widget=forms.CheckboxInput(attrs=attrs), **common)
    if kind == FieldType.URL:
        return forms.CharField(widget=forms.URLInput(attrs=attrs), max_length=2000, **common)
    if kind == FieldType.FILE:
        return forms.FileField(widget=forms.ClearableFileInput(attrs=attrs), **common)
    return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)


def add_fields(form: forms.Form, fields: list[CustomField], *, for_edit: bool = False) -> None:
    for field in fields:
        if for_edit and field.field_type == FieldType.FILE:
            continue
        form.fields[PREFIX + field.key] = form_field(field, for_edit=for_edit)


def _raw(field: CustomField, value: Any) -> Any:
    if field.field_type == FieldType.FILE:
        if isinstance(value, UploadedFile):
            try:
                check_size(value.size or 0)
            except AttachmentRejected as exc:
                raise forms.ValidationError(str(exc)) from exc
            return NewAttachment(value.name or "attachment", b"".join(value.chunks()))
        return None
    if field.field_type == FieldType.CHECKBOX:
        return bool(value)
    if field.field_type == FieldType.MULTI_SELECT:
        return list(value or [])
    return value if value not in (None, "") else None


def values_from(form: forms.Form, fields: list[CustomField]) -> dict[str, Any]:
    """The raw values of ``fields`` in a bound, cleaned form (keys without the prefix)."""
    values: dict[str, Any] = {}
    for field in fields:
        name = PREFIX + field.key
        if name not in form.fields:
            continue
        try:
            values[field.key] = _raw(field, form.cleaned_data.get(name))
        except forms.ValidationError as exc:
            form.add_error(name, exc)
    return values


def check_into_form(form: forms.Form, fields: list[CustomField], values: dict[str, Any]) -> bool:
    """Checks ``values`` as a submission would, putting each refusal on its form field."""
    plain = {
        k: ({"name": v.filename} if isinstance(v, NewAttachment) else v) for k, v in values.items()
    }
    try:
        clean_values(fields, plain)
    except FieldErrors as exc:
        add_errors(form, exc)
        return False
    return not form.errors


def add_errors(form: forms.Form, exc: FieldErrors) -> None:
    for key, message in exc.errors.items():
        name = PREFIX + key
        form.add_error(name if name in form.fields else None, message)


class TypeChoiceForm(forms.Form):
    """The request type on a form that offers several (agent's new ticket)."""

    request_type = forms.ChoiceField(label=_("Request type"), required=False)
