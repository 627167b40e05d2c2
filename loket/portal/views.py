"""The customer portal and the public contact form."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from loket.accounts.access import shared_organisation_id
from loket.accounts.actions import register_customer
from loket.accounts.models import User
from loket.kb import deflection
from loket.lib.clientip import client_ip
from loket.lib.files import AttachmentRejected
from loket.lib.ratelimit import hit
from loket.portal.confirmation import ticket_for
from loket.portal.expected import expected_answer
from loket.portal.forms import ContactForm, PortalReplyForm, PortalTicketForm
from loket.portal.tasks import send_contact_confirmation
from loket.rules import portal_types
from loket.rules.actions_types import submit
from loket.rules.fields import FieldErrors
from loket.rules.forms_fields import add_errors, add_fields, check_into_form, values_from
from loket.tickets import actions
from loket.tickets.access import get_ticket_for, messages_visible_to, tickets_visible_to
from loket.tickets.models import Channel


def _customer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _customer(request)
    if user.is_agent:
        return redirect("desk:inbox")
    tickets = (
        tickets_visible_to(user)
        .filter(merged_into__isnull=True)
        .select_related("customer")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    shared = shared_organisation_id(user)
    return render(
        request,
        "portal/home.html",
        {
            "page": page,
            "shared_organisation": user.organisation if shared is not None else None,
            # A member whose address waits for verification sees only their own tickets.
            "confirm_address": user.organisation_id is not None and shared is None,
            "kind": portal_types.landing(user),
        },
    )


@login_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """A question, of one of the request types the customer's kind is offered (``?type=``;
    a type that is not theirs is a 404) or of none."""
    user = _customer(request)
    offer = portal_types.offer(user, request.GET.get("type", ""))
    form = PortalTicketForm(request.POST or None, request.FILES or None)
    add_fields(form, offer.fields)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = values_from(form, offer.fields)
        if not form.errors:
            try:
                ticket = submit(
                    request_type=offer.chosen,
                    values=values,
                    subject=data["subject"],
                    body=data["body"],
                    customer=user,
                    channel=Channel.WEB,
                    by=user,
                    attachments=data["attachments"],
                    language=user.language or get_language() or "",
                )
            except FieldErrors as exc:
                add_errors(form, exc)
            except PermissionDenied:
                raise Http404 from None
            except (actions.ActionError, AttachmentRejected) as exc:
                form.add_error(None, str(exc))
            else:
                deflection.record_sent(request.POST.get("kb_deflection"), ticket)
                messages.success(
                    request, _("Thank you. We have your question as #%(n)s.") % {"n": ticket.pk}
                )
                return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/new_ticket.html", {"form": form, "offer": offer})


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _customer(request)
    if user.is_agent:
        return redirect("desk:ticket", pk=pk)
    ticket = get_ticket_for(user, pk)
    form = PortalReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        ticket = get_ticket_for(user, pk, write=True)
        if form.is_valid():
            try:
                message = actions.add_customer_message(
                    ticket,
                    body=form.cleaned_data["body"],
                    author=user,
                    channel=Channel.WEB,
                    by=user,
                    attachments=form.cleaned_data["attachments"],
                )
            except (actions.ActionError, AttachmentRejected) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your reply was added."))
                return redirect("portal:ticket", pk=message.ticket_id)
    items = (
        messages_visible_to(user, ticket).select_related("author").prefetch_related("attachments")
    )
    helper = ticket.assignee if ticket.assignee is not None and ticket.assignee.is_agent else None
    context = {
        "ticket": ticket,
        "items": items,
        "form": form,
        "helper": helper,
        "expected": expected_answer(ticket),
    }
    return render(request, "portal/ticket.html", context)


def contact(request: HttpRequest) -> HttpResponse:
    """For people without an account. Nobody has proven that the address is the visitor's, so
    the ticket stays out of every customer's portal (``Ticket.sender_unconfirmed``) and no
    acknowledgement goes out; a known customer gets one mail asking whether it was them, with
    a link that confirms it (``loket.portal.confirmation``). A new address joins no
    organisation by its domain."""
    offer = portal_types.offer(None, request.GET.get("type", ""))
    form = ContactForm(request.POST or None, request.FILES or None)
    add_fields(form, offer.fields)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rate = settings.CONTACT_FORM_RATE
        if data["website"]:
            # A bot filled in the honeypot: look successful, store nothing.
            return render(request, "portal/contact_done.html", status=200)
        if not hit("contact-ip", client_ip(request), rate) or not hit(
            "contact-email", data["email"].lower(), rate
        ):
            form.add_error(None, _("Too many messages in a short time. Please try again later."))
            return render(
                request, "portal/contact.html", {"form": form, "offer": offer}, status=429
            )
        values = values_from(form, offer.fields)
        if form.errors or not check_into_form(form, offer.fields, values):
            return render(request, "portal/contact.html", {"form": form, "offer": offer})
        try:
            with transaction.atomic():
                known = User.objects.with_addresses([data["email"]]).first()
                customer = known or register_customer(
                    data["email"],
                    display_name=data["name"],
                    language=get_language() or "",
                    unknown=True,
                    join_by_domain=False,
                )
                ticket = submit(
                    request_type=offer.chosen,
                    values=values,
                    subject=data["subject"],
                    body=data["body"],
                    customer=customer,
                    channel=Channel.WEB,
                    by=None,
                    language=get_language() or "",
                    sender_unconfirmed=True,
                )
                if known is not None:
                    send_contact_confirmation.enqueue(ticket.pk)  # an outbox
        except FieldErrors as exc:
            add_errors(form, exc)
        except (actions.ActionError, AttachmentRejected) as exc:
            form.add_error(None, str(exc))
        else:
            deflection.record_sent(request.POST.get("kb_deflection"), ticket)
            # The number is acknowledged on the page, to whoever filled in the form: a mail
            # would go to an address nobody has proven (the confirmation mail carries it).
            return render(request, "portal/contact_done.html", {"ticket_number": ticket.pk})
    return render(request, "portal/contact.html", {"form": form, "offer": offer})


def contact_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the contact form's confirmation mail: a page with a button (a mail
    scanner opening the link confirms nothing), then the ticket is the customer's."""
    ticket = ticket_for(token)
    if ticket is None:
        return render(request, "portal/contact_confirm.html", {"state": "invalid"}, status=404)
    if request.method == "POST":
        actions.confirm_sender(ticket)
        return render(request, "portal/contact_confirm.html", {"state": "done", "ticket": ticket})
    state = "confirm" if ticket.sender_unconfirmed else "done"
    return render(request, "portal/contact_confirm.html", {"state": state, "ticket": ticket})
