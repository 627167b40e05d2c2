"""Checking a custom field's value: one function per field type, the same for every entry
point (portal, contact form, agent's form, API). A value of the wrong type is refused with a
message naming the field; nothing is coerced silently (``True`` is not the number 1)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from loket.rules.models_types import CustomField, FieldType
from loket.rules.texts import pick

MAX_TEXT = 500
MAX_LONG_TEXT = 10_000
MAX_URL = 2000
MAX_NUMBER = Decimal("1e12")
MAX_CHOICES = 50
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FieldInvalid(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class FieldErrors(ValueError):
    """Every refused field of one submission: ``{key: message}``."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {m}" for k, m in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Clean:
    value: Any
    text: str


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list) and len(value) == 0)


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(_("Enter text."))
    value = value.strip()
    if _CONTROL.search(value):
        raise ValueError(_("This text contains characters that are not allowed."))
    if len(value) > limit:
        raise ValueError(_("At most %(n)s characters.") % {"n": limit})
    return str(value)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise ValueError(_("Enter a number."))
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("Enter a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Enter a number."))
    if abs(number) >= MAX_NUMBER:
        raise ValueError(_("This number is too large."))
    return number


def _options(field: CustomField, value: Any, language: str | None) -> list[str]:
    values = value if isinstance(value, list) else None
    if field.field_type == FieldType.SELECT:
        if not isinstance(value, str):
            raise ValueError(_("Choose one of the options."))
        values = [value]
    if values is None or not all(isinstance(v, str) for v in values):
        raise ValueError(_("Choose from the options."))
    if len(values) > MAX_CHOICES:
        raise ValueError(_("Too many choices."))
    allowed = field.option_values()
    for v in values:
        if v not in allowed:
            raise ValueError(_("“%(value)s” is not one of the options.") % {"value": v[:50]})
    return list(dict.fromkeys(values))


def option_label(field: CustomField, value: str, language: str | None = None) -> str:
    for option in field.options:
        if isinstance(option, dict) and option.get("value") == value:
            return pick(option.get("labels"), language) or value
    return value


def _languages(field: CustomField, value: str) -> tuple[str, ...]:
    """English and Dutch always; Russian when the option has a Russian label of its own (its
    fallback would only repeat the English one in the search text)."""
    for option in field.options:
        if isinstance(option, dict) and option.get("value") == value:
            labels = option.get("labels")
            if isinstance(labels, dict) and labels.get("ru"):
                return ("en", "nl", "ru")
    return ("en", "nl")


def _clean(field: CustomField, value: Any, language: str | None) -> Clean:
    kind = field.field_type
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        text = _text(value, MAX_TEXT if kind == FieldType.TEXT else MAX_LONG_TEXT)
        return Clean(text, text)
    if kind == FieldType.NUMBER:
        number = _decimal(value)
        as_json: int | float = (
            int(number) if number == number.to_integral_value() else float(number)
        )
        return Clean(as_json, str(as_json))
    if kind == FieldType.MONEY:
        number = _decimal(value)
        if number.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ValueError(_("At most two decimals."))
        text = f"{number:.2f}"
        return Clean(text, text)
    if kind == FieldType.DATE:
        if isinstance(value, date):
            day = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
        else:
            raise ValueError(_("Enter a date as YYYY-MM-DD."))
        return Clean(day.isoformat(), day.isoformat())
    if kind in (FieldType.SELECT, FieldType.MULTI_SELECT):
        chosen = _options(field, value, language)
        labels = " ".join(
            f"{v} {option_label(field, v, lang)}" for v in chosen for lang in _languages(field, v)
        )
        stored: Any = chosen[0] if kind == FieldType.SELECT else chosen
        return Clean(stored, labels)
    if kind == FieldType.CHECKBOX:
        if not isinstance(value, bool):
            raise ValueError(_("Enter true or false."))
        return Clean(value, "yes" if value else "no")
    if kind == FieldType.URL:
        url = _text(value, MAX_URL)
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValueError(_("Enter a web address starting with http:// or https://.")) from None
        return Clean(url, url)
    if kind == FieldType.FILE:
        # A file is an attachment of the ticket's first message; the value names it.
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise ValueError(_("Attach a file."))
        name = _text(value["name"], 255)
        return Clean({"name": name}, name)
    raise ValueError(_("Unknown field type."))


def clean_value(field: CustomField, value: Any, language: str | None = None) -> Clean | None:
    """The checked value, or None for an empty optional one; ``FieldInvalid`` otherwise."""
    if is_empty(value):
        if field.required:
            raise FieldInvalid(field.key, _("This field is required."))
        return None
    if field.field_type == FieldType.CHECKBOX and value is False and field.required:
        raise FieldInvalid(field.key, _("This box must be ticked."))
    try:
        clean = _clean(field, value, language)
    except ValueError as exc:
        raise FieldInvalid(field.key, str(exc)) from None
    if clean.value == "":  # only blanks
        if field.required:
            raise FieldInvalid(field.key, _("This field is required."))
        return None
    return clean


def clean_values(
    fields: list[CustomField], values: dict[str, Any], language: str | None = None
) -> dict[str, Clean]:
    """Every field's checked value (``FieldErrors`` lists each refused one, and any key that
    is not a field of the type)."""
    errors: dict[str, str] = {}
    known = {f.key for f in fields}
    for key in values:
        if key not in known:
            errors[str(key)[:60]] = _("No such field for this request type.")
    cleaned: dict[str, Clean] = {}
    for field in fields:
        try:
            found = clean_value(field, values.get(field.key), language)
        except FieldInvalid as exc:
            errors[field.key] = exc.message
        else:
            if found is not None:
                cleaned[field.key] = found
    if errors:
        raise FieldErrors(errors)
    return cleaned
