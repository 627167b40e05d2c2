"""``{% request_fields_panel ticket %}``: the ticket's request type and custom fields on the
ticket page, with the agent's editor (``request_fields_read``: without, for customers);
``{% request_type_filters filters %}``: the inbox's
type and field filters."""

from __future__ import annotations

from typing import Any

from django import forms, template

from loket.accounts.models import Organisation
from loket.rules.actions_types import request_type_of
from loket.rules.display_types import edit_initial, shown_fields
from loket.rules.forms_fields import add_fields
from loket.rules.hooks_types import inbox_type_choices
from loket.rules.models_types import KindMembership, OrganisationKind
from loket.rules.types import fields_of
from loket.tickets.models import State, Ticket

register = template.Library()


@register.inclusion_tag("rules/ticket_fields.html", takes_context=True)
def request_fields_panel(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    request_type = request_type_of(ticket)
    if request_type is None:
        return {"request_type": None}
    form = forms.Form(initial=edit_initial(request_type, ticket.pk))
    add_fields(form, fields_of(request_type), for_edit=True)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "ticket": ticket,
        "request_type": request_type,
        "shown": shown_fields(request_type, ticket.pk),
        "form": form if ticket.state != State.CLOSED else None,
    }


@register.inclusion_tag("rules/ticket_fields.html")
def request_fields_read(ticket: Ticket) -> dict[str, Any]:
    """The same panel without the editor (the customer's ticket page)."""
    request_type = request_type_of(ticket)
    if request_type is None:
        return {"request_type": None}
    shown = shown_fields(request_type, ticket.pk)
    return {"ticket": ticket, "request_type": request_type, "shown": shown, "form": None}


@register.inclusion_tag("rules/organisation_kind.html", takes_context=True)
def organisation_kind_panel(
    context: template.Context, organisation: Organisation
) -> dict[str, Any]:
    """The organisation's kind on its desk page; admins change it there."""
    user = context.get("user")
    membership = KindMembership.objects.filter(organisation=organisation).first()
    return {
        "csrf_token": context.get("csrf_token"),
        "organisation": organisation,
        "kind": membership.kind if membership is not None else None,
        "kinds": OrganisationKind.objects.all() if getattr(user, "is_admin", False) else None,
    }


@register.inclusion_tag("rules/inbox_filters.html")
def request_type_filters(filters: dict[str, str]) -> dict[str, Any]:
    return {"types": inbox_type_choices(), "filters": filters}
