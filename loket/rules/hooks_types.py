"""What request types add to the tickets and SLA apps through their registries: searchable
field text, inbox filters (type and field value), the timeline's words for a field change,
and the SLA policy of a type or kind. Connected in ``RulesConfig.ready``."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.rules.models_types import CustomField, FieldValue, RequestType, TicketRequest
from loket.tickets import inbox_filters, search, timeline
from loket.tickets.models import Event, Ticket

_WORD = re.compile(r"\w+", re.UNICODE)
_FIELD_FILTER = re.compile(r"([a-z0-9_-]{1,50})[=:](.{1,100})", re.DOTALL)


def search_field_values(user: User, text: str, visible: QuerySet[Ticket]) -> list[int]:
    """Tickets whose field values contain every word of ``text`` (any order)."""
    words = [w.lower() for w in _WORD.findall(text)][:6]
    if not words:
        return []
    qs = FieldValue.objects.all()
    if not user.is_admin:
        qs = qs.filter(ticket__in=visible.order_by().values("pk"))
    matches = Q()
    for word in words:
        matches &= Q(text__contains=word)
    ids = qs.filter(matches).order_by("-ticket_id").values_list("ticket_id", flat=True)
    return list(dict.fromkeys(ids[: search.MAX_CANDIDATES]))


def _read_type(raw: str) -> str | None:
    raw = raw.strip()
    return raw if re.fullmatch(r"[a-z0-9_-]{1,50}", raw) else None


def _apply_type(qs: QuerySet[Ticket], key: str) -> QuerySet[Ticket]:
    return qs.filter(pk__in=TicketRequest.objects.filter(request_type__key=key).values("ticket_id"))


def _read_field(raw: str) -> str | None:
    found = _FIELD_FILTER.fullmatch(raw.strip())
    return f"{found.group(1)}={found.group(2).strip()}" if found else None


def _apply_field(qs: QuerySet[Ticket], spec: str) -> QuerySet[Ticket]:
    """``key=words``: tickets whose field ``key`` contains the words (lower case)."""
    key, _sep, wanted = spec.partition("=")
    matching = FieldValue.objects.filter(field__key=key, text__contains=wanted.lower())
    return qs.filter(pk__in=matching.values("ticket_id"))


def describe_field_event(event: Event) -> str:
    after: dict[str, Any] = event.after if isinstance(event.after, dict) else {}
    before: dict[str, Any] = event.before if isinstance(event.before, dict) else {}
    if "request_type" in after:
        names = {t.key: str(t) for t in RequestType.objects.all()}
        return _("changed the request type: %(before)s → %(after)s") % {
            "before": names.get(str(before.get("request_type")), "—"),
            "after": names.get(str(after.get("request_type")), str(after.get("request_type"))),
        }
    key = str(after.get("field", "?"))
    label = key
    field = CustomField.objects.filter(
        key=key,
        request_type__in=TicketRequest.objects.filter(ticket_id=event.ticket_id).values(
            "request_type_id"
        ),
    ).first()
    if field is not None:
        label = str(field)

    def show(value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, dict):
            return str(value.get("name", "?"))
        return str(value)

    return _("changed %(field)s: %(before)s → %(after)s") % {
        "field": label,
        "before": show(before.get("value")),
        "after": show(after.get("value")),
    }


def connect() -> None:
    from loket.rules.actions_types import sla_chooser
    from loket.sla import tracking

    search.register_source("rules.field_values", search_field_values)
    inbox_filters.register(inbox_filters.InboxFilter("type", _read_type, _apply_type))
    inbox_filters.register(inbox_filters.InboxFilter("field", _read_field, _apply_field))
    timeline.register_describer("field", describe_field_event)
    tracking.register_policy_chooser("rules.request_types", sla_chooser)


def inbox_type_choices() -> list[tuple[str, str]]:
    return [(t.key, str(t)) for t in RequestType.objects.order_by("order", "key")]
