"""Conditions on what the request types and the assistant add to a ticket: its request type,
its organisation's kind, the custom fields (``field:<key>``, one property per field key),
and the mood and urgency the assistant read in the latest customer message.

Registered with the conditions registry in ``setup.ready``. A field condition names the
field by key (unique within a request type; fields of different types that share a key are
one property, the first one's type decides the operators). A field deleted (or switched off)
after a rule was saved makes the rule fail when it next runs: it is switched off with the
reason, as any rule that fails at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.lib import memo
from loket.rules.automation.conditions import (
    CHOICE_OPS,
    COSTLY,
    EMPTY_OPS,
    TEXT_OPS,
    Family,
    Predicate,
    Property,
    RuleRuntimeError,
    compile_with,
    register,
    register_family,
)
from loket.rules.automation.facts import Facts
from loket.rules.models_types import CustomField, FieldType, OrganisationKind, RequestType
from loket.tickets.models import Message, MessageKind

NUMBER_OPS = ("is", "is_not", "gt", "lt", *EMPTY_OPS)
DATE_OPS = ("is", "is_not", "after", "before", *EMPTY_OPS)
NUMERIC = (FieldType.NUMBER, FieldType.MONEY)
CHOSEN = (FieldType.SELECT, FieldType.MULTI_SELECT)
YES, NO = "yes", "no"


# --- request type, kind, mood, urgency --------------------------------------------------------


def _type_key(facts: Facts) -> str:
    from loket.rules.models_types import TicketRequest

    ticket_id = facts.ticket.pk
    return str(
        facts.remember(
            "request_type",
            lambda: (
                TicketRequest.objects.filter(ticket_id=ticket_id)
                .values_list("request_type__key", flat=True)
                .first()
                or ""
            ),
        )
    )


def _types() -> list[tuple[str, str]]:
    return [("", _("none"))] + [(t.key, str(t)) for t in RequestType.objects.order_by("order")]


def _kind_key(facts: Facts) -> str:
    from loket.rules.kinds import kind_of_organisation

    kind = kind_of_organisation(facts.ticket.organisation_id)
    return kind.key if kind is not None else ""


def _kinds() -> list[tuple[str, str]]:
    return [("", _("none"))] + [(k.key, str(k)) for k in OrganisationKind.objects.all()]


def _reading(facts: Facts) -> tuple[str, str]:
    """(mood, urgency) of the latest customer message; ("", "") if it was not read."""

    def read() -> tuple[str, str]:
        message = facts.event.message if facts.event is not None else None
        rows = Message.objects.filter(ticket_id=facts.ticket.pk, kind=MessageKind.CUSTOMER)
        if message is not None and message.kind == MessageKind.CUSTOMER:
            rows = rows.filter(pk=message.pk)
        found = (
            rows.order_by("-created_at", "-id")
            .values_list("assist_reading__mood", "assist_reading__urgency")
            .first()
        )
        return (str(found[0] or ""), str(found[1] or "")) if found else ("", "")

    result: tuple[str, str] = facts.remember("reading", read)
    return result


def _moods() -> list[tuple[str, str]]:
    return [
        ("", _("not read (yet)")),
        ("angry", _("angry")),
        ("frustrated", _("frustrated")),
        ("worried", _("worried")),
        ("positive", _("positive")),
        ("neutral", _("neutral")),
    ]


def _urgencies() -> list[tuple[str, str]]:
    return [
        ("", _("not read (yet)")),
        ("high", _("urgent")),
        ("medium", _("has a deadline")),
        ("none", _("not urgent")),
    ]


# --- custom fields ----------------------------------------------------------------------------


def _fields_with(key: str) -> list[CustomField]:
    return list(
        memo.remember(
            ("rules.fields_with", key),
            lambda: list(
                CustomField.objects.filter(key=key, is_active=True).order_by(
                    "request_type_id", "pk"
                )
            ),
        )
    )


def field_values(facts: Facts) -> dict[str, Any]:
    """The ticket's custom field values by key (one query per ticket change)."""
    from loket.rules.models_types import FieldValue

    ticket_id = facts.ticket.pk
    return dict(
        facts.remember(
            "fields",
            lambda: dict(
                FieldValue.objects.filter(ticket_id=ticket_id).values_list("field__key", "value")
            ),
        )
    )


def _empty(value: Any) -> bool:
    return value is None or value in ("", [], False)


def _number(raw: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(_("%(field)s: a number is needed.") % {"field": label}) from None
    if not number.is_finite():
        raise ValidationError(_("%(field)s: a number is needed.") % {"field": label})
    return number


def _day(raw: Any, label: str) -> date:
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError(
            _("%(field)s: give a date as YYYY-MM-DD.") % {"field": label}
        ) from None


def _single(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]).strip() if value else ""
    return str(value or "").strip()


def _alive(key: str, label: str) -> Callable[[], None]:
    def check() -> None:
        if not _fields_with(key):
            raise RuleRuntimeError(
                _("The custom field “%(field)s” of a condition was deleted.") % {"field": label}
            )

    return check


def _compiler(key: str, kind: str, label: str, prop_of: Callable[[], Property]) -> Any:
    alive = _alive(key, label)

    def value_of(facts: Facts) -> Any:
        alive()
        return field_values(facts).get(key)

    def compile_field(op: str, value: Any) -> Predicate:
        test: Callable[[Any], bool]
        if op in EMPTY_OPS:
            wanted_empty = op == "empty"
            return lambda f: _empty(value_of(f)) == wanted_empty
        if kind in NUMERIC:
            bound = _number(_single(value), label)
            compare: dict[str, Callable[[Decimal], bool]] = {
                "is": lambda n: n == bound, "is_not": lambda n: n != bound,
                "gt": lambda n: n > bound, "lt": lambda n: n < bound,
            }  # fmt: skip
            check = compare[op]

            def test(v: Any) -> bool:
                if _empty(v):
                    return op == "is_not"
                return check(Decimal(str(v)))

            return lambda f: test(value_of(f))
        if kind == FieldType.DATE:
            day = _day(_single(value), label)
            by_day: dict[str, Callable[[date], bool]] = {
                "is": lambda d: d == day, "is_not": lambda d: d != day,
                "after": lambda d: d > day, "before": lambda d: d < day,
            }  # fmt: skip
            check_day = by_day[op]

            def test(v: Any) -> bool:
                if _empty(v):
                    return op == "is_not"
                return check_day(date.fromisoformat(str(v)))

            return lambda f: test(value_of(f))
        # Choices (select, multi-select, checkbox) and text: the generic operators.
        return compile_with(prop_of(), op, value)

    return compile_field, value_of


def _field_property(field: CustomField) -> Property:
    key = field.key
    kind = field.field_type
    label = _("Field: %(field)s") % {"field": str(field)}
    choices: Callable[[], list[tuple[str, str]]] | None = None
    ops: tuple[str, ...]
    if kind in CHOSEN:
        ops = (*CHOICE_OPS, *EMPTY_OPS)

        def choices() -> list[tuple[str, str]]:
            from loket.rules.fields import option_label

            seen: dict[str, str] = {}
            for same in _fields_with(key):
                if same.field_type in CHOSEN:
                    for value in same.option_values():
                        seen.setdefault(value, option_label(same, value))
            return list(seen.items())

    elif kind == FieldType.CHECKBOX:
        ops = CHOICE_OPS

        def choices() -> list[tuple[str, str]]:
            return [(YES, _("ticked")), (NO, _("not ticked"))]

    elif kind in NUMERIC:
        ops = NUMBER_OPS
    elif kind == FieldType.DATE:
        ops = DATE_OPS
    elif kind == FieldType.FILE:
        ops = EMPTY_OPS
    else:
        ops = ("is", "is_not", *TEXT_OPS, *EMPTY_OPS)
    holder: list[Property] = []
    compile_field, value_of = _compiler(key, kind, label, lambda: holder[0])

    def read(facts: Facts) -> Any:
        value = value_of(facts)
        if kind == FieldType.CHECKBOX:
            return YES if value is True else NO
        if kind == FieldType.MULTI_SELECT:
            return [str(v) for v in value] if isinstance(value, list) else []
        return "" if value is None else str(value)

    prop = Property(
        f"field:{key}", label, ops, read, choices, many=kind == FieldType.MULTI_SELECT,
        compile=compile_field,
    )  # fmt: skip
    holder.append(prop)
    return prop


def find_field(key: str) -> Property:
    found = _fields_with(key)
    if not found:
        raise ValidationError(
            _("The custom field “%(field)s” does not exist or was deleted.") % {"field": key}
        )
    return _field_property(found[0])


def list_fields() -> list[Property]:
    seen: dict[str, CustomField] = {}
    for field in CustomField.objects.filter(is_active=True).order_by(
        "request_type__order", "order", "pk"
    ):
        seen.setdefault(field.key, field)
    return [_field_property(f) for f in seen.values()]


def ready() -> None:
    for prop in (
        Property("request_type", gettext_lazy("Request type"), CHOICE_OPS, _type_key, _types),
        Property("kind", gettext_lazy("Organisation kind"), CHOICE_OPS, _kind_key, _kinds),
        Property("mood", gettext_lazy("Mood of the latest customer message"), CHOICE_OPS,
                 lambda f: _reading(f)[0], _moods),
        Property("urgency", gettext_lazy("Urgency of the latest customer message"), CHOICE_OPS,
                 lambda f: _reading(f)[1], _urgencies),
    ):  # fmt: skip
        register(prop)
    for name in ("request_type", "kind", "mood", "urgency", "field:"):
        COSTLY.setdefault(name, 1)
    register_family(Family("field", find_field, list_fields))
