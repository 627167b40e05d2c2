"""The agent workspace. Thin views: fetch through access, change through actions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.actions import register_customer
from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import STAFF_ROLES, Team, Tier, User
from loket.lib.files import AttachmentRejected
from loket.mail.addresses import InvalidCc
from loket.tickets import (
    actions,
    collisions,
    inbox_rows,
    reply_checks,
    timeline,
    views_compose,
)
from loket.tickets.access import get_ticket_for, get_ticket_for_reading, tickets_visible_to
from loket.tickets.actions.drafts import discard_draft, draft_text
from loket.tickets.context import badges_for, team_ids_for
from loket.tickets.forms import (
    CallForm,
    EscalateForm,
    NewTicketForm,
    NoReplyForm,
    NoteForm,
    PropertiesForm,
    ReplyForm,
    SavedFilterForm,
    TicketNumberForm,
)
from loket.tickets.inbox_query import InboxQuery, filters_from, inbox_query
from loket.tickets.metrics import resolution_of
from loket.tickets.models import Channel, DraftKind, Message, Priority, SavedFilter, State, Ticket
from loket.tickets.queries import VIEW_LABELS, BadCursor, Cursor, InboxView, page, view_queryset
from loket.tickets.search import search_tickets
from loket.tickets.states import TransitionError, allowed_targets
from loket.tickets.views_bulk import OPERATIONS

__all__ = ["InboxQuery", "inbox_query"]


def view_counts(
    user: User, request: HttpRequest | None = None
) -> list[tuple[InboxView, Any, int | None]]:
    """The badge counts, summed from the counters the database keeps
    (``loket.tickets.queue_counts``): a few rows, whatever the size of the desk."""
    counts = badges_for(user, request)
    shown = {
        InboxView.UNASSIGNED: counts.unassigned,
        InboxView.MINE: counts.mine,
        InboxView.UNANSWERED: counts.unanswered,
    }
    return [(v, VIEW_LABELS[v], shown.get(v)) for v in InboxView]


@agent_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    asked = inbox_query(user, request.GET.dict())
    view, filters, query = asked.view, asked.filters, asked.query
    next_cursor = None
    # The agent's teams read once for the page, the badges and the header's count.
    visible = tickets_visible_to(user, team_ids=team_ids_for(user, request))
    if query:
        tickets = search_tickets(user, query, visible=visible)
    else:
        params = asked.params
        try:
            cursor = Cursor.decode(params["after"]) if params.get("after") else None
        except BadCursor:
            return HttpResponseBadRequest(_("This page link is no longer valid."))
        tickets, next_cursor = page(asked.queryset(user, visible), cursor, only_row=True)
    base = {"view": view.value, **filters}
    return render(
        request,
        "desk/inbox.html",
        {
            "tickets": tickets,
            "rows": inbox_rows.render(tickets),
            "view": view,
            "views": view_counts(user, request),
            "query": query,
            "filters": filters,
            "base_query": base,
            "next_cursor": next_cursor.encode() if next_cursor else None,
            "saved_filters": SavedFilter.objects.filter(owner=user),
            "current_saved": asked.saved,
            "teams": Team.objects.all(),
            "states": State.choices,
            "priorities": Priority.choices,
            "channels": Channel.choices,
            "agents": User.objects.filter(role__in=STAFF_ROLES, is_active=True)
            .only("pk", "display_name", "email")
            .order_by("display_name", "pk"),
            "bulk_operations": OPERATIONS,
            "save_form": SavedFilterForm(),
            # New tickets go on top only where the newest are shown: page one of a view.
            "live_insert": not query and not asked.params.get("after"),
        },
    )


@agent_required
@require_POST
def save_filter(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name."))
        return redirect("desk:inbox")
    params = request.POST.dict()
    query = {"view": params.get("view", InboxView.UNASSIGNED), **filters_from(params)}
    if query["view"] not in InboxView.__members__.values():
        query["view"] = InboxView.UNASSIGNED
    saved, _created = SavedFilter.objects.update_or_create(
        owner=signed_in_agent(request), name=form.cleaned_data["name"], defaults={"query": query}
    )
    return redirect(f"{reverse('desk:inbox')}?saved={saved.pk}")


def _neighbours(user: User, ticket: Ticket) -> tuple[Ticket | None, Ticket | None]:
    """The tickets before and after this one in the open queue, for the [ and ] keys."""
    qs = view_queryset(user, InboxView.OPEN).only("pk", "updated_at")
    newer = (
        qs.filter(updated_at__gte=ticket.updated_at)
        .exclude(pk=ticket.pk)
        .order_by("updated_at", "id")
        .first()
    )
    older = (
        qs.filter(updated_at__lte=ticket.updated_at)
        .exclude(pk=ticket.pk)
        .order_by("-updated_at", "-id")
        .first()
    )
    return newer, older


def _cc_customer(ticket: Ticket) -> str | None:
    """The customer's address when the agent chooses the Cc of a reply: tickets that came
    by mail and have a customer (the others get no Cc field; their Cc is automatic)."""
    if ticket.channel != Channel.EMAIL or ticket.customer is None:
        return None
    return ticket.customer.email


@agent_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket, history_only = get_ticket_for_reading(user, pk)
    if history_only:
        return render(
            request,
            "desk/ticket_history.html",
            {"ticket": ticket, "timeline": ticket_timeline(ticket), "read_only": True},
        )
    return _ticket_page(request, user, ticket)


def ticket_timeline(ticket: Ticket) -> list[timeline.Entry]:
    messages_qs = ticket.messages.select_related("author", "no_reply_by").prefetch_related(
        "attachments"
    )
    return timeline.build(messages_qs, ticket.events.select_related("actor"))


def _ticket_page(
    request: HttpRequest,
    user: User,
    ticket: Ticket,
    reply_form: ReplyForm | None = None,
    answered: Iterable[Message] = (),
    reply_warnings: Iterable[dict[str, Any]] = (),
) -> HttpResponse:
    """The ticket page; ``reply_form`` is a reply that was refused, shown with its errors
    (``answered``: the messages that came in while it was being written)."""
    # Read before the timeline, so the page never claims to show an event it does not.
    seen_event = collisions.latest_event_id(ticket)
    prev_ticket, next_ticket = _neighbours(user, ticket)
    properties = PropertiesForm(
        initial={
            "state": ticket.state,
            "priority": ticket.priority,
            "assignee": ticket.assignee_id or "",
            "team": ticket.team_id,
            "tags": ", ".join(ticket.tags.values_list("name", flat=True)),
        }
    )
    state_field: Any = properties.fields["state"]
    state_field.choices = [(ticket.state, State(ticket.state).label)] + [
        (s.value, s.label) for s in allowed_targets(ticket.state)
    ]
    escalate_form = EscalateForm()
    tier_field: Any = escalate_form.fields["to_tier"]
    tier_field.choices = [(t.value, t.label) for t in Tier if t > ticket.tier]
    links = Ticket.objects.filter(
        pk__in=[
            *ticket.links_out.values_list("target_id", flat=True),
            *ticket.links_in.values_list("source_id", flat=True),
        ]
    )
    return render(
        request,
        "desk/ticket.html",
        {
            "ticket": ticket,
            "timeline": ticket_timeline(ticket),
            "waiting": ticket.messages.filter(needs_reply=True).count(),
            "reply_form": reply_form
            or views_compose.new_reply_form(ticket, user, _cc_customer(ticket)),
            "note_form": NoteForm(initial={"body": draft_text(ticket, user, DraftKind.NOTE)}),
            "properties": properties,
            "escalate_form": escalate_form if tier_field.choices else None,
            "no_reply_form": NoReplyForm(),
            "number_form": TicketNumberForm(),
            "links": tickets_visible_to(user).filter(pk__in=links),
            "customer_tickets": _customer_tickets(user, ticket),
            "resolution": resolution_of(ticket),
            "prev_ticket": prev_ticket,
            "next_ticket": next_ticket,
            "closed": ticket.state == State.CLOSED,
            "can_split": ticket.state != State.CLOSED,
            "seen_event": seen_event,
            "answered": list(answered),
            "fresh_ids": {m.pk for m in answered},
            "reply_warnings": list(reply_warnings),
        },
    )


def _customer_tickets(user: User, ticket: Ticket) -> list[Ticket]:
    """The customer's latest other tickets the agent may see (one query, on the customer
    index), for the sidebar."""
    if ticket.customer_id is None:
        return []
    qs = tickets_visible_to(user).filter(customer_id=ticket.customer_id, merged_into__isnull=True)
    return list(
        qs.exclude(pk=ticket.pk)
        .only("pk", "subject", "state", "updated_at")
        .order_by("-updated_at", "-id")[:6]
    )


def _back(pk: int) -> HttpResponse:
    return redirect("desk:ticket", pk=pk)


def _run(request: HttpRequest, pk: int, fn: Callable[[], object], done: str) -> HttpResponse:
    try:
        fn()
    except (actions.ActionError, TransitionError, AttachmentRejected) as exc:
        messages.error(request, str(exc))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, done)
    return _back(pk)


def _form_errors(request: HttpRequest, form: Any, pk: int) -> HttpResponse:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return _back(pk)


FormAction = Callable[[User, Ticket, dict[str, Any]], object]


def _form_action(
    request: HttpRequest, pk: int, form_class: type[Any], act: FormAction, done: str
) -> HttpResponse:
    """The shape every ticket form shares: fetch with write access, validate, act, report."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(request, form, ticket.pk)
    return _run(request, ticket.pk, lambda: act(user, ticket, form.cleaned_data), done)


class HeldByChecks(Exception):
    """The draft check warned and the agent has not chosen to send anyway."""


@agent_required
@require_POST
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Sends the reply; a refused one comes back in the form with what was typed in it."""
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    form = ReplyForm(request.POST, request.FILES, cc_customer=_cc_customer(ticket))
    answered: list[Message] = []
    warnings: list[dict[str, Any]] = []
    reply = views_compose.editor_reply(ticket, user, form) if form.is_valid() else None
    if reply is not None:
        data = form.cleaned_data
        warnings = reply_checks.run(ticket, user, data["body"])
        # "Send anyway" on a page that showed the warnings sends despite them too.
        ignore = data["ignore_warnings"] or (data["send_anyway"] and data["checked_warnings"])
        try:
            if warnings and not ignore:
                if data["seen_event"] is not None and not data["send_anyway"]:
                    newer = collisions.answered_since(ticket, data["seen_event"], user)
                    if newer:  # new messages first: they may change the reply
                        raise collisions.AnsweredMeanwhile(newer)
                raise HeldByChecks
            if data["seen_event"] is not None and not data["send_anyway"]:
                sent = collisions.reply_unless_answered(
                    ticket, seen_event_id=data["seen_event"], by=user, **reply
                )
            else:
                sent = actions.reply(ticket, by=user, **reply)
        except HeldByChecks:
            form.add_error(
                None,
                _("Your reply has not been sent yet: look at the warnings below first."),
            )
        except collisions.AnsweredMeanwhile as exc:
            answered = exc.messages
            ticket.refresh_from_db()
            form.add_error(
                None,
                _(
                    "New messages came in while you were writing (marked below). Your reply "
                    "has not been sent: read them, then send it anyway or change it first."
                ),
            )
        except InvalidCc as exc:
            form.add_error("cc" if "cc" in form.fields else None, str(exc))
        except (actions.ActionError, TransitionError, AttachmentRejected) as exc:
            if ticket.state == State.CLOSED:  # the page has no reply form to show it in
                messages.error(request, str(exc))
                return _back(ticket.pk)
            form.add_error(None, str(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
            return _back(ticket.pk)
        else:
            if warnings:
                reply_checks.sent_anyway(ticket, user, sent, warnings)
            messages.success(request, views_compose.reply_sent(ticket, user, sent))
            return _back(ticket.pk)
    if request.FILES:
        form.add_error("attachments", _("Choose the files again: they were not kept."))
    response = _ticket_page(
        request, user, ticket, reply_form=form, answered=answered, reply_warnings=warnings
    )
    # htmx (boosted form) would put the reply URL, which only takes POST, in the address bar
    response["HX-Replace-Url"] = reverse("desk:ticket", args=[ticket.pk])
    return response


@agent_required
@require_POST
def ticket_note(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> object:
        note = actions.add_note(ticket, body=data["body"], by=user, attachments=data["attachments"])
        discard_draft(ticket, user, DraftKind.NOTE)
        return note

    return _form_action(request, pk, NoteForm, act, _("Note added."))


@agent_required
@require_POST
def ticket_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    form = PropertiesForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, ticket.pk)
    data = form.cleaned_data
    assignee = None
    if data["assignee"]:
        assignee = User.objects.filter(pk=int(data["assignee"])).first()

    def apply() -> None:
        with transaction.atomic():
            actions.set_priority(ticket, Priority(data["priority"]), by=user)
            actions.assign(ticket, assignee, by=user)
            actions.set_tags(ticket, data["tags"].split(","), by=user)
            if data["team"].pk != ticket.team_id:
                actions.move_to_team(ticket, data["team"], by=user)
            actions.change_state(ticket, State(data["state"]), by=user)

    return _run(request, ticket.pk, apply, _("Ticket updated."))


@agent_required
@require_POST
def ticket_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        return _form_errors(request, form, ticket.pk)
    to_tier = Tier(form.cleaned_data["to_tier"])
    response = _run(
        request,
        ticket.pk,
        lambda: actions.escalate(
            ticket,
            to_tier,
            by=user,
            reason=form.cleaned_data["reason"],
            reason_kind=form.cleaned_data["reason_kind"],
        ),
        _("Escalated to %(tier)s.") % {"tier": to_tier.label},
    )
    if not tickets_visible_to(user).filter(pk=ticket.pk).exists():
        return redirect("desk:inbox")
    return response


@agent_required
@require_POST
def ticket_no_reply(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, ticket: Ticket, data: dict[str, Any]) -> object:
        return actions.mark_no_reply_needed(ticket, by=user, reason=data["reason"])

    return _form_action(request, pk, NoReplyForm, act, _("Marked as needing no reply."))


def _other_ticket(request: HttpRequest, user: User) -> Ticket | None:
    form = TicketNumberForm(request.POST)
    if not form.is_valid():
        return None
    try:
        return get_ticket_for(user, form.cleaned_data["number"], write=True)
    except Http404:
        return None


@agent_required
@require_POST
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    into = _other_ticket(request, user)
    if into is None:
        messages.error(request, _("No ticket with that number."))
        return _back(ticket.pk)
    _run(request, into.pk, lambda: actions.merge(ticket, into, by=user), _("Tickets merged."))
    return _back(into.pk)


@agent_required
@require_POST
def ticket_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    ticket = get_ticket_for(user, pk, write=True)
    other = _other_ticket(request, user)
    if other is None:
        messages.error(request, _("No ticket with that number."))
        return _back(ticket.pk)
    return _run(
        request, ticket.pk, lambda: actions.link(ticket, other, by=user), _("Tickets linked.")
    )


@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    form = NewTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = register_customer(data["customer_email"], display_name=data["customer_name"])
        try:
            ticket = actions.create_ticket(
                subject=data["subject"],
                body=data["body"],
                customer=customer,
                channel=Channel(data["channel"]),
                by=user,
                priority=Priority(data["priority"]),
                attachments=data["attachments"],
            )
        except (actions.ActionError, AttachmentRejected) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ticket #%(n)s created.") % {"n": ticket.pk})
            return redirect("desk:ticket", pk=ticket.pk)
    return render(request, "desk/form.html", {"form": form, "title": _("New ticket")})


@agent_required
def log_call(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = register_customer(data["customer_email"], display_name=data["customer_name"])
        existing = None
        if data["ticket_number"]:
            try:
                existing = get_ticket_for(user, data["ticket_number"], write=True)
            except Http404:
                form.add_error("ticket_number", _("No ticket with that number."))
        if not form.errors:
            seconds = int(Decimal(data["minutes"]) * 60)
            try:
                message = actions.log_call(
                    customer=customer,
                    by=user,
                    summary=data["summary"],
                    duration_seconds=seconds,
                    ticket=existing,
                    subject=data["subject"],
                    answered=data["answered"],
                )
            except actions.ActionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Call logged."))
                return redirect("desk:ticket", pk=message.ticket_id)
    return render(request, "desk/form.html", {"form": form, "title": _("Log a phone call")})


def _mailbox_health() -> list[dict[str, Any]]:
    from django.apps import apps

    if not apps.is_installed("loket.mail"):
        return []
    from loket.mail.imap import health
    from loket.mail.models import Mailbox

    labels = {
        "ok": _("working"),
        "failing": _("failing"),
        "never": _("never fetched"),
        "disabled": _("switched off"),
    }
    rows = [health(mailbox) for mailbox in Mailbox.objects.order_by("name")]
    for row in rows:
        row["state_label"] = labels.get(row["state"], row["state"])
    return rows


@agent_required
def health(request: HttpRequest) -> HttpResponse:
    """For managers: is anything stuck? Workers and queues, the unanswered backlog, mailboxes,
    the search index."""
    from loket.jobs.health import assess
    from loket.tickets.context import unanswered_summary
    from loket.tickets.search_index import check

    user = signed_in_agent(request)
    if not user.is_manager:
        raise Http404
    jobs = assess()
    return render(
        request,
        "desk/health.html",
        {
            "jobs": jobs,
            "backlog": unanswered_summary(user),
            "index": check(),
            "mailboxes": _mailbox_health(),
        },
    )
