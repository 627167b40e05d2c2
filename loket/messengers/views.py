"""Desk pages: Telegram bots and WhatsApp numbers (admins), messenger contacts and linking
them to customers (agents), and the ticket page's messenger actions (template, send again)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.messengers import actions
from loket.messengers.contacts import customer_by_address, is_placeholder
from loket.messengers.forms import BotForm, LinkForm, NumberForm, TemplateForm
from loket.messengers.models import Contact, Conversation, Delivery, TelegramBot, WhatsAppNumber
from loket.tickets.access import get_ticket_for, tickets_visible_to
from loket.tickets.actions import ActionError


def _admin(request: HttpRequest) -> User:
    user = signed_in_agent(request)
    if not user.is_admin:
        raise Http404
    return user


def _hook_url(request: HttpRequest, name: str, key: str) -> str:
    return str(settings.BASE_URL).rstrip("/") + reverse(name, args=[key])


@agent_required
@require_GET
def bots(request: HttpRequest) -> HttpResponse:
    _admin(request)
    rows = TelegramBot.objects.select_related("team").annotate(n=Count("conversation"))
    return render(request, "messengers/bots.html", {"bots": rows})


@agent_required
@require_http_methods(["GET", "POST"])
def bot_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _admin(request)
    bot = get_object_or_404(TelegramBot, pk=pk) if pk is not None else None
    form = BotForm(request.POST if request.method == "POST" else None, instance=bot)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_bot(form.instance, by=user)
        if request.POST.get("new_secret") and bot is not None:
            actions.new_webhook_secret(saved, by=user)
        messages.success(request, _("The bot was saved."))
        return redirect("messengers:bot", pk=saved.pk)
    hook = _hook_url(request, "telegram_hook", bot.slug) if bot else ""
    return render(request, "messengers/bot_form.html", {"form": form, "bot": bot, "hook_url": hook})


@agent_required
@require_GET
def numbers(request: HttpRequest) -> HttpResponse:
    _admin(request)
    rows = WhatsAppNumber.objects.select_related("team").annotate(n=Count("conversation"))
    return render(request, "messengers/numbers.html", {"numbers": rows})


@agent_required
@require_http_methods(["GET", "POST"])
def number_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _admin(request)
    number = get_object_or_404(WhatsAppNumber, pk=pk) if pk is not None else None
    form = NumberForm(request.POST if request.method == "POST" else None, instance=number)
    if request.method == "POST" and form.is_valid():
        saved = actions.save_number(form.instance, by=user)
        messages.success(request, _("The WhatsApp number was saved."))
        return redirect("messengers:number", pk=saved.pk)
    hook = _hook_url(request, "whatsapp_hook", number.slug) if number else ""
    return render(
        request, "messengers/number_form.html", {"form": form, "number": number, "hook_url": hook}
    )


@agent_required
@require_GET
def contacts(request: HttpRequest) -> HttpResponse:
    signed_in_agent(request)
    rows = Contact.objects.select_related("customer").order_by("-created_at")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rows = rows.filter(
            Q(display_name__icontains=query)
            | Q(handle__icontains=query)
            | Q(external_id=query)
            | Q(customer__email__icontains=query)
        )
    unlinked = request.GET.get("unlinked") == "1"
    if unlinked:
        rows = rows.filter(confirmed_at__isnull=True)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request, "messengers/contacts.html", {"page": page, "q": query, "unlinked": unlinked}
    )


def _chosen_customer(form: LinkForm, contact: Contact) -> User | None:
    """The customer the agent named: another contact's, or the one with the address given
    (made if nobody has it); ``None`` with an error on the form."""
    data = form.cleaned_data
    if not data.get("same_as"):
        try:
            return customer_by_address(data["email"], data["name"])
        except ValueError as exc:
            form.add_error("email", str(exc))
            return None
    other = Contact.objects.select_related("customer").filter(pk=data["same_as"]).first()
    if other is None or other.pk == contact.pk:
        form.add_error("same_as", _("No other contact has this number."))
        return None
    return other.customer


@agent_required
@require_http_methods(["GET", "POST"])
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    contact = get_object_or_404(Contact.objects.select_related("customer", "confirmed_by"), pk=pk)
    form = LinkForm(
        request.POST if request.method == "POST" else None, initial={"name": contact.display_name}
    )
    if request.method == "POST" and form.is_valid():
        customer = _chosen_customer(form, contact)
        if customer is not None:
            try:
                actions.link_contact(contact, customer, by=user)
            except (ActionError, PermissionDenied) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("The contact is linked to %(name)s.") % {"name": customer.name}
                )
                return redirect("messengers:contact", pk=contact.pk)
    tickets = (
        tickets_visible_to(user).filter(customer=contact.customer).order_by("-updated_at")[:20]
    )
    siblings = Contact.objects.filter(customer=contact.customer).exclude(pk=contact.pk)
    return render(
        request,
        "messengers/contact.html",
        {
            "contact": contact,
            "form": form,
            "tickets": tickets,
            "siblings": siblings,
            "unlinked": is_placeholder(contact.customer),
        },
    )


@agent_required
@require_POST
def send_template(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    form = TemplateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the approved templates."))
    else:
        try:
            actions.send_template(ticket, form.cleaned_data["template"], by=user)
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The template is being sent."))
    return redirect("desk:ticket", pk=ticket.pk)


@agent_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    delivery = Delivery.objects.filter(pk=pk).select_related("message").first()
    if delivery is None:
        raise Http404
    ticket = get_ticket_for(user, delivery.message.ticket_id, write=True)
    try:
        actions.retry_delivery(delivery, by=user)
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The reply is being sent again."))
    return redirect(reverse("desk:ticket", args=[ticket.pk]) + f"#m{delivery.message_id}")


def conversation_of(ticket_id: int) -> Conversation | None:
    return (
        Conversation.objects.filter(ticket_id=ticket_id)
        .select_related("contact", "number", "bot")
        .first()
    )
