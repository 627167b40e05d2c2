"""Desk pages: request types, their fields and organisation kinds (admins, in the settings
area); the ticket page's field editor and a new ticket of a type (agents)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.actions import register_customer
from loket.accounts.decorators import admin_required, agent_required, signed_in_agent
from loket.accounts.models import Organisation
from loket.lib.files import AttachmentRejected
from loket.rules import portal_types
from loket.rules.actions_types import request_type_of, set_field_values, submit
from loket.rules.fields import FieldErrors
from loket.rules.forms_fields import add_errors, add_fields, values_from
from loket.rules.forms_types import CustomFieldForm, OrganisationKindForm, RequestTypeForm
from loket.rules.kinds import set_kind
from loket.rules.models_types import CustomField, KindMembership, OrganisationKind, RequestType
from loket.rules.types import fields_of
from loket.tickets import actions
from loket.tickets.access import get_ticket_for
from loket.tickets.forms import NewTicketForm
from loket.tickets.models import Channel, Priority

View = Callable[..., HttpResponse]


def _form_page(
    request: HttpRequest, form: forms.BaseForm, title: str, **extra: Any
) -> HttpResponse:
    return render(request, "rules/settings_form.html", {"form": form, "title": title, **extra})


@admin_required
def types(request: HttpRequest) -> HttpResponse:
    rows = RequestType.objects.prefetch_related("kinds", "fields").select_related("team")
    return render(request, "rules/types.html", {"rows": rows})


@admin_required
def type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(RequestType, pk=pk) if pk is not None else None
    form = RequestTypeForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, _("Request type saved."))
        return redirect("rules_types:type", pk=saved.pk)
    fields = list(found.fields.order_by("order", "pk")) if found is not None else []
    title = str(found) if found is not None else _("New request type")
    return _form_page(request, form, title, request_type=found, fields=fields)


@admin_required
def field_edit(request: HttpRequest, type_pk: int, pk: int | None = None) -> HttpResponse:
    request_type = get_object_or_404(RequestType, pk=type_pk)
    found = get_object_or_404(CustomField, pk=pk, request_type=request_type) if pk else None
    form = CustomFieldForm(request.POST or None, instance=found, request_type=request_type)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Field saved."))
        return redirect("rules_types:type", pk=request_type.pk)
    title = _("Field of %(type)s") % {"type": request_type}
    return _form_page(request, form, title, back=request_type)


@admin_required
def kinds(request: HttpRequest) -> HttpResponse:
    rows = OrganisationKind.objects.select_related("team", "sla_policy").prefetch_related(
        "request_types"
    )
    counts = dict(
        KindMembership.objects.values("kind_id").annotate(n=Count("pk")).values_list("kind_id", "n")
    )
    for row in rows:
        row.member_count = counts.get(row.pk, 0)  # type: ignore[attr-defined]
    return render(request, "rules/kinds.html", {"rows": rows})


@admin_required
def kind_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(OrganisationKind, pk=pk) if pk is not None else None
    form = OrganisationKindForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            chosen: list[Organisation] = list(form.cleaned_data["organisations"])
            KindMembership.objects.filter(kind=saved).exclude(organisation__in=chosen).delete()
            for organisation in chosen:
                set_kind(organisation, saved)
        messages.success(request, _("Organisation kind saved."))
        return redirect("rules_types:kinds")
    title = str(found) if found is not None else _("New organisation kind")
    return _form_page(request, form, title)


@admin_required
@require_POST
def organisation_kind(request: HttpRequest, pk: int) -> HttpResponse:
    """Puts one organisation in a kind (from its desk page)."""
    organisation = get_object_or_404(Organisation, pk=pk)
    raw = request.POST.get("kind", "")
    kind = None
    if raw:
        if not raw.isdigit():
            raise Http404
        kind = get_object_or_404(OrganisationKind, pk=int(raw))
    with transaction.atomic():
        set_kind(organisation, kind)
    messages.success(request, _("Organisation kind saved."))
    return redirect("orgs:organisation", pk=organisation.pk)


@agent_required
@require_POST
def ticket_fields(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticket page's field editor: changes the fields, each change an event."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    request_type = request_type_of(ticket)
    if request_type is None:
        raise Http404
    fields = fields_of(request_type)
    form = forms.Form(request.POST)
    add_fields(form, fields, for_edit=True)
    if form.is_valid():
        values = {k: v for k, v in values_from(form, fields).items() if ("cf_" + k) in form.fields}
        try:
            changed = set_field_values(ticket, values, by=user)
        except FieldErrors as exc:
            for key, message in exc.errors.items():
                messages.error(request, f"{key}: {message}")
        except actions.ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Fields saved.") if changed else _("No field was changed."))
    else:
        for name, errors in form.errors.items():
            messages.error(request, f"{name.removeprefix('cf_')}: {' '.join(map(str, errors))}")
    return redirect("desk:ticket", pk=ticket.pk)


@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """An agent opens a ticket of a request type on a customer's behalf."""
    user = signed_in_agent(request)
    offer = portal_types.offer(user, request.GET.get("type", ""))
    form = NewTicketForm(request.POST or None, request.FILES or None)
    add_fields(form, offer.fields)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = values_from(form, offer.fields)
        if not form.errors:
            customer = register_customer(data["customer_email"], display_name=data["customer_name"])
            try:
                ticket = submit(
                    request_type=offer.chosen,
                    values=values,
                    subject=data["subject"],
                    body=data["body"],
                    customer=customer,
                    channel=Channel(data["channel"]),
                    by=user,
                    priority=Priority(data["priority"]),
                    attachments=data["attachments"],
                )
            except FieldErrors as exc:
                add_errors(form, exc)
            except (actions.ActionError, AttachmentRejected) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Ticket #%(n)s created.") % {"n": ticket.pk})
                return redirect("desk:ticket", pk=ticket.pk)
    return render(
        request,
        "rules/new_ticket.html",
        {"form": form, "offer": offer, "title": _("New ticket of a type")},
    )
