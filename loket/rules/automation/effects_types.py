"""Actions on request types and custom fields: ``set_field:<key>`` (one action per field key,
its value checked as the field checks an agent's value) and ``set_request_type``.

Values are changed through ``actions_types`` as the system (``by=None``), which writes the
ticket's ``field`` events. A value the field refuses is refused when the rule is saved; a
field deleted later makes the rule fail when it runs (switched off with the reason). A ticket
of another type, or one without that field, is skipped for that firing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.rules.automation.conditions import RuleRuntimeError
from loket.rules.automation.effects import Context, Effect, EffectFamily, register, register_family
from loket.rules.automation.facts import Facts
from loket.rules.automation.props_types import YES, _fields_with, field_values
from loket.rules.fields import FieldErrors, FieldInvalid, clean_value, option_label
from loket.rules.models_types import CustomField, FieldType, RequestType
from loket.tickets.actions import ActionError
from loket.tickets.models import Ticket

TRUE = {"yes", "true", "1", "on"}
FALSE = {"no", "false", "0", "off", ""}


def parse(field: CustomField, value: str) -> Any:
    """The stored action's text as the value the field's check takes."""
    value = value.strip()
    if field.field_type == FieldType.CHECKBOX:
        lowered = value.lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        return value  # refused by the check, naming the field
    if not value:
        return None
    if field.field_type == FieldType.MULTI_SELECT:
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _clean(field: CustomField, value: str) -> Any:
    found = clean_value(field, parse(field, value))
    return found.value if found is not None else None


def _field_effect(field: CustomField) -> Effect:
    key = field.key
    label = str(field)

    def check(value: str) -> None:
        fields = _fields_with(key)
        if not fields:
            raise ValidationError(
                _("The custom field “%(field)s” does not exist or was deleted.") % {"field": key}
            )
        if all(f.field_type == FieldType.FILE for f in fields):
            raise ValidationError(_("A rule cannot set a file field (%(field)s).") % {"field": key})
        reasons = []
        for same in fields:
            try:
                _clean(same, value)
                return
            except FieldInvalid as exc:
                reasons.append(exc.message)
        raise ValidationError(
            _("Set field %(field)s: %(reason)s") % {"field": label, "reason": reasons[0]}
        )

    def plan(facts: Facts, value: str) -> str | None:
        fields = _fields_with(key)
        if not fields:
            return None
        try:
            wanted = _clean(fields[0], value)
        except FieldInvalid:
            return None
        current = field_values(facts).get(key)
        if current == wanted or (current in (None, False) and wanted in (None, False)):
            return None
        return _("Field %(field)s → %(value)s") % {"field": label, "value": value or "—"}

    def apply(ticket: Ticket, value: str, ctx: Context) -> Ticket:
        from loket.rules.actions_types import set_field_values

        fields = _fields_with(key)
        if not fields:
            raise RuleRuntimeError(
                _("The custom field “%(field)s” of “set field” was deleted.") % {"field": label}
            )
        from loket.rules.actions_types import request_type_of

        request_type = request_type_of(ticket)
        own = next(
            (f for f in fields if request_type and f.request_type_id == request_type.pk), None
        )
        if own is None:
            raise ActionError(
                _("This ticket's request type has no field %(field)s.") % {"field": label}
            )
        try:
            set_field_values(ticket, {key: parse(own, value)}, by=None)
        except FieldErrors as exc:
            raise ActionError(str(exc)) from None
        return Ticket.objects.get(pk=ticket.pk)

    def choices() -> list[tuple[str, str]]:
        if field.field_type == FieldType.CHECKBOX:
            return [(YES, str(_("ticked"))), ("no", str(_("not ticked")))]
        return [("", "—")] + [(v, option_label(field, v)) for v in field.option_values()]

    offered = field.field_type in (FieldType.SELECT, FieldType.CHECKBOX)
    return Effect(
        f"set_field:{key}", _("Set field: %(field)s") % {"field": label}, check, plan, apply,
        choices if offered else None,
    )  # fmt: skip


def find_field_effect(key: str) -> Effect:
    found = _fields_with(key)
    if not found:
        raise ValidationError(
            _("The custom field “%(field)s” does not exist or was deleted.") % {"field": key}
        )
    return _field_effect(found[0])


def list_field_effects() -> list[Effect]:
    seen: dict[str, CustomField] = {}
    for field in CustomField.objects.filter(is_active=True).exclude(field_type=FieldType.FILE):
        seen.setdefault(field.key, field)
    return [_field_effect(f) for f in seen.values()]


# --- request type -----------------------------------------------------------------------------


def _type(value: str) -> RequestType | None:
    return RequestType.objects.filter(key=value.strip()[:50], is_active=True).first()


def _check_type(value: str) -> None:
    if _type(value) is None:
        raise ValidationError(_("The request type to set does not exist or is switched off."))


def _plan_type(facts: Facts, value: str) -> str | None:
    from loket.rules.automation.props_types import _type_key

    found = _type(value)
    if found is None or _type_key(facts) == found.key:
        return None
    return _("Request type → %(type)s") % {"type": str(found)}


def _apply_type(ticket: Ticket, value: str, ctx: Context) -> Ticket:
    from loket.rules.actions_types import set_request_type

    found = _type(value)
    if found is None:
        raise RuleRuntimeError(_("The request type to set was deleted or switched off."))
    set_request_type(ticket, found, by=None)
    return Ticket.objects.get(pk=ticket.pk)


def _type_choices() -> list[tuple[str, str]]:
    return [(t.key, str(t)) for t in RequestType.objects.filter(is_active=True)]


def ready() -> None:
    register(
        Effect("set_request_type", gettext_lazy("Set request type"), _check_type, _plan_type,
               _apply_type, _type_choices)
    )  # fmt: skip
    register_family(EffectFamily("set_field", find_field_effect, list_field_effects))
