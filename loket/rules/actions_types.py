"""Opening a ticket of a request type, and agents changing its field values (with events).

The type sets the ticket's team, priority and SLA policy unless the caller (an agent) chose
them; otherwise the customer's organisation kind sets team and policy. All rows (ticket,
message, request type, values) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Team, User
from loket.rules.fields import Clean, FieldErrors, FieldInvalid, clean_value, clean_values
from loket.rules.kinds import kind_of_organisation
from loket.rules.models_types import (
    CustomField,
    FieldType,
    FieldValue,
    RequestType,
    TicketRequest,
)
from loket.rules.types import fields_of, types_for
from loket.sla.models import Policy
from loket.tickets import actions, eventlog, locks
from loket.tickets.actions import NewAttachment
from loket.tickets.actions.core import atomic_action
from loket.tickets.models import Channel, Event, EventKind, Priority, State, Ticket

# The policy the ticket being created here should get (read by ``sla_chooser``).
_pending_policy: ContextVar[Policy | None] = ContextVar("loket_rules_policy", default=None)


@contextmanager
def _policy(policy: Policy | None) -> Iterator[None]:
    token = _pending_policy.set(policy)
    try:
        yield
    finally:
        _pending_policy.reset(token)


def sla_chooser(ticket: Ticket, new: bool) -> Policy | None:
    """Registered with ``loket.sla.tracking``: the type's policy, else the kind's."""
    if new:
        pending = _pending_policy.get()
        if pending is not None:
            return pending
    else:
        found = (
            TicketRequest.objects.filter(ticket_id=ticket.pk)
            .select_related("request_type__sla_policy__calendar")
            .first()
        )
        if found is not None and found.request_type.sla_policy is not None:
            return found.request_type.sla_policy
    kind = kind_of_organisation(ticket.organisation_id)
    return kind.sla_policy if kind is not None else None


def _split_files(
    fields: list[CustomField], values: dict[str, Any]
) -> tuple[dict[str, Any], list[NewAttachment]]:
    """File fields' uploads become attachments; their value names the file."""
    files: list[NewAttachment] = []
    plain = dict(values)
    for field in fields:
        if field.field_type != FieldType.FILE:
            continue
        raw = plain.get(field.key)
        if isinstance(raw, NewAttachment):
            files.append(raw)
            plain[field.key] = {"name": raw.filename}
        elif raw not in (None, ""):
            plain[field.key] = "not a file"  # refused by the check with the field named
    return plain, files


def check_submission(
    request_type: RequestType, values: dict[str, Any], language: str | None = None
) -> tuple[dict[str, Clean], list[NewAttachment]]:
    """The checked values and the files to attach; ``FieldErrors`` names each refused field."""
    fields = fields_of(request_type)
    plain, files = _split_files(fields, values)
    return clean_values(fields, plain, language), files


def submit(
    *,
    request_type: RequestType | None,
    values: dict[str, Any],
    subject: str,
    body: str,
    customer: User | None,
    by: User | None,
    channel: Channel,
    body_html: str = "",
    language: str = "",
    attachments: Sequence[NewAttachment] = (),
    priority: Priority | None = None,
    team: Team | None = None,
    tags: Sequence[str] = (),
    call_duration_seconds: int | None = None,
    sender_unconfirmed: bool = False,
) -> Ticket:
    """Opens a ticket of ``request_type`` (or of none: only the kind applies).

    A customer (``by`` not an agent) may use only the types offered to them (``types_for``;
    ``by`` None is the public contact form: types for everybody): ``PermissionDenied``
    otherwise. ``FieldErrors`` before anything is written when a value is refused."""
    if request_type is not None:
        offered_to = by if by is not None else None
        if not types_for(offered_to).filter(pk=request_type.pk).exists():
            raise PermissionDenied(_("This request type is not offered to you."))
        cleaned, files = check_submission(request_type, values, language or None)
    elif values:
        raise FieldErrors({str(k)[:60]: _("Choose a request type first.") for k in values})
    else:
        cleaned, files = {}, []
    kind = kind_of_organisation(customer.organisation_id if customer is not None else None)
    chosen_team = (
        team or (request_type.team if request_type else None) or (kind.team if kind else None)
    )
    chosen_priority = priority
    if chosen_priority is None and request_type is not None and request_type.priority:
        chosen_priority = Priority(request_type.priority)
    policy = (request_type.sla_policy if request_type else None) or (
        kind.sla_policy if kind else None
    )
    with _policy(policy):
        return _create(
            request_type, cleaned, subject=subject, body=body, body_html=body_html,
            customer=customer, channel=channel, by=by, priority=chosen_priority or Priority.NORMAL,
            team=chosen_team, attachments=[*attachments, *files], tags=tags, language=language,
            call_duration_seconds=call_duration_seconds, sender_unconfirmed=sender_unconfirmed,
        )  # fmt: skip


@atomic_action
def _create(request_type: RequestType | None, cleaned: dict[str, Clean], **kwargs: Any) -> Ticket:
    """The ticket, its type and its values as one action: rules on "created" see them all."""
    ticket = actions.create_ticket(**kwargs)
    if request_type is not None:
        TicketRequest.objects.create(ticket=ticket, request_type=request_type)
        by_key = {f.key: f for f in fields_of(request_type)}
        FieldValue.objects.bulk_create(
            FieldValue(ticket=ticket, field=by_key[key], value=c.value, text=c.text.lower())
            for key, c in cleaned.items()
        )
    return ticket


def request_type_of(ticket: Ticket) -> RequestType | None:
    found = TicketRequest.objects.filter(ticket=ticket).select_related("request_type").first()
    return found.request_type if found is not None else None


@atomic_action
def set_field_values(ticket: Ticket, values: dict[str, Any], *, by: User | None) -> int:
    """Agents (or the system: ``by`` None, e.g. an automation rule) change field values of a
    ticket of a type: one ``field`` event per changed field, ``before``/``after`` as
    ``{"field": key, "value": ...}``. Returns how many changed. ``FieldErrors`` (naming each
    refused field) changes nothing."""
    if by is not None and not by.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    request_type = request_type_of(ticket)
    if request_type is None:
        raise FieldErrors({"type": _("This ticket has no request type.")})
    fields = [f for f in fields_of(request_type) if f.field_type != FieldType.FILE]
    by_key = {f.key: f for f in fields}
    errors: dict[str, str] = {}
    cleaned: dict[str, Clean | None] = {}
    for key, raw in values.items():
        field = by_key.get(key)
        if field is None:
            errors[str(key)[:60]] = _("No such field for this request type.")
            continue
        try:
            cleaned[key] = clean_value(field, raw)
        except FieldInvalid as exc:
            errors[key] = exc.message
    if errors:
        raise FieldErrors(errors)
    changed = 0
    with transaction.atomic():
        locked = locks.lock(ticket.pk)
        if locked.state == State.CLOSED:
            raise actions.ActionError(_("This ticket is closed; open a follow-up ticket instead."))
        current = {
            v.field.key: v
            for v in FieldValue.objects.filter(ticket=locked, field__in=fields).select_related(
                "field"
            )
        }
        for key, new in cleaned.items():
            old = current.get(key)
            before = old.value if old is not None else None
            after = new.value if new is not None else None
            if before == after or (before in (None, False) and after in (None, False)):
                continue  # an unticked box on a ticket that never had it ticked: no change
            if new is None:
                assert old is not None
                old.delete()
            elif old is None:
                FieldValue.objects.create(
                    ticket=locked, field=by_key[key], value=new.value, text=new.text.lower()
                )
            else:
                old.value, old.text = new.value, new.text.lower()
                old.save(update_fields=["value", "text"])
            eventlog.record(
                Event(
                    ticket=locked, actor=by, kind=EventKind.FIELD,
                    before={"field": key, "value": before}, after={"field": key, "value": after},
                )
            )  # fmt: skip
            changed += 1
        if changed:
            locked.version += 1
            locked.updated_at = timezone.now()
            locked.save(update_fields=["version", "updated_at"])
    ticket.refresh_from_db()
    return changed


@atomic_action
def set_request_type(ticket: Ticket, request_type: RequestType, *, by: User | None) -> bool:
    """Changes the ticket's request type (an agent, or the system: an automation rule), with
    a ``field`` event ``{"request_type": key}``. The values of the old type's fields stay.
    Returns whether it changed."""
    if by is not None and not by.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    locked = locks.lock(ticket.pk)
    if locked.state == State.CLOSED:
        raise actions.ActionError(_("This ticket is closed; open a follow-up ticket instead."))
    current = TicketRequest.objects.filter(ticket=locked).select_related("request_type").first()
    if current is not None and current.request_type_id == request_type.pk:
        return False
    before = current.request_type.key if current is not None else None
    TicketRequest.objects.update_or_create(ticket=locked, defaults={"request_type": request_type})
    eventlog.record(
        Event(
            ticket=locked, actor=by, kind=EventKind.FIELD,
            before={"request_type": before}, after={"request_type": request_type.key},
        )
    )  # fmt: skip
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["version", "updated_at"])
    ticket.refresh_from_db()
    return True
