"""``/api/tickets``: list, create, read, update, reply, note, escalate, merge, timeline.

Thin handlers: every fetch goes through ``loket.tickets.access``, every change through
``loket.tickets.actions``. Customers see their organisation's tickets without internal
details (notes, events, team, tags); agent-only operations answer them with a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Base64Bytes, Field

from loket.accounts.access import agents_visible_to, get_customer_for
from loket.accounts.models import Team, Tier, User
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError, bad_request
from loket.api.params import CursorText, Limit, reject_unknown_params
from loket.api.schemas import (
    MAX_ID,
    PRIORITY_BY_NAME,
    AgentRef,
    Body,
    BodyHtml,
    CustomerRef,
    Id,
    NotBlank,
    OrganisationRef,
    PersonRef,
    PriorityName,
    Reason,
    SafeText,
    ShortText,
    Subject,
    TagName,
    TeamRef,
    agent_ref,
    customer_ref,
    organisation_ref,
    person_ref,
    priority_name,
    team_ref,
)
from loket.mail.addresses import InvalidCc
from loket.rules.actions_types import submit
from loket.rules.api_types import FieldValues, chosen_type, decode_files, fields_error
from loket.rules.fields import FieldErrors
from loket.tickets import actions
from loket.tickets.access import get_ticket_for, messages_visible_to, tickets_visible_to
from loket.tickets.actions import ActionError, NewAttachment
from loket.tickets.models import (
    Attachment,
    Channel,
    EscalationReason,
    Event,
    Message,
    State,
    Ticket,
)
from loket.tickets.queries import BadCursor, Cursor, InboxView, page, view_queryset
from loket.tickets.search import MAX_CANDIDATES, search_tickets
from loket.tickets.states import TransitionError

router = Router(tags=["tickets"])

MAX_ATTACHMENTS = 10


# --- output -------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    size: int
    content_type: str
    url: str = Field(description="For browsers (session).")
    api_url: str = Field(description="For API token callers.")


class MessageOut(Schema):
    id: int
    ticket: int
    kind: str
    author: PersonRef | None
    channel: str
    created_at: datetime
    body: str
    body_html: str
    attachments: list[AttachmentOut]
    needs_reply: bool
    call_duration_seconds: int | None
    cc: list[str] | None = Field(
        None,
        description="Agents only: the Cc an agent chose for a reply; null when it was left to "
        "the sending (reply to all), and always null for customers.",
    )


class EventOut(Schema):
    id: int
    kind: str
    actor: PersonRef | None
    created_at: datetime
    before: Any
    after: Any
    reason: str
    message: int | None


class TicketOut(Schema):
    id: int
    number: int
    subject: str
    state: State
    priority: PriorityName
    tier: int
    channel: str
    customer: CustomerRef | None
    organisation: OrganisationRef | None
    team: TeamRef | None = Field(description="Agents only; null for customers.")
    assignee: AgentRef | None
    tags: list[str] = Field(description="Agents only; empty for customers.")
    language: str
    merged_into: int | None
    awaiting_reply_since: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    version: int


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class NoReplyOut(Schema):
    marked: int


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        filename=attachment.filename,
        size=attachment.size,
        content_type=attachment.content_type,
        url=reverse("attachments:download", args=[attachment.pk]),
        api_url=reverse("api:download_attachment", kwargs={"id": attachment.pk}),
    )


def message_out(message: Message, *, staff: bool = False) -> MessageOut:
    return MessageOut(
        id=message.pk,
        ticket=message.ticket_id,
        kind=message.kind,
        author=person_ref(message.author),
        channel=message.channel,
        created_at=message.created_at,
        body=message.body,
        body_html=message.body_html,
        attachments=[attachment_out(a) for a in message.attachments.all()],
        needs_reply=message.needs_reply,
        call_duration_seconds=message.call_duration_seconds,
        cc=message.cc if staff else None,
    )


def ticket_out(ticket: Ticket, viewer: User) -> TicketOut:
    staff = viewer.is_agent
    return TicketOut(
        id=ticket.pk,
        number=ticket.number,
        subject=ticket.subject,
        state=State(ticket.state),
        priority=priority_name(ticket.priority),
        tier=ticket.tier,
        channel=ticket.channel,
        customer=customer_ref(ticket.customer),
        organisation=organisation_ref(ticket.organisation),
        team=team_ref(ticket.team) if staff else None,
        assignee=agent_ref(ticket.assignee),
        tags=sorted(t.name for t in ticket.tags.all()) if staff else [],
        language=ticket.language,
        merged_into=ticket.merged_into_id,
        awaiting_reply_since=ticket.awaiting_reply_since,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
        version=ticket.version,
    )


def _tickets_out(tickets: Sequence[Ticket], viewer: User) -> list[TicketOut]:
    if viewer.is_agent:
        prefetch_related_objects(list(tickets), "tags")
    return [ticket_out(t, viewer) for t in tickets]


def _reload(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_related("customer", "assignee", "team", "organisation")
        .prefetch_related("tags")
        .get(pk=ticket.pk)
    )


def _messages(qs: QuerySet[Message]) -> QuerySet[Message]:
    return qs.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )


# --- input --------------------------------------------------------------------------------


class AttachmentIn(Schema):
    filename: Annotated[str, Field(min_length=1, max_length=255), SafeText]
    content_base64: Base64Bytes = Field(
        description=f"The file, base64-encoded: at most {settings.MAX_ATTACHMENT_BYTES // 1048576}"
        " MB decoded (413 `attachment_too_large`). The whole request may be as large as one "
        f"such file encoded plus {settings.MAX_REQUEST_BYTES // 1024} KB (413 `too_large`)."
    )


def _bounded_tags(names: list[str]) -> list[str]:
    return [n for n in names if n.strip()]


Tags = Annotated[list[TagName], Field(max_length=50), AfterValidator(_bounded_tags)]
Attachments = Annotated[list[AttachmentIn], Field(max_length=MAX_ATTACHMENTS)]


class TicketIn(Schema):
    subject: Subject
    body: Body
    body_html: BodyHtml = ""
    customer: Id | None = Field(
        None,
        description="Agents: the customer's id (none for an internal ticket). "
        "Customers: omit, or their own id.",
    )
    priority: PriorityName = Field("normal", description="Agents only.")
    team: Id | None = Field(None, description="Agents only; default: the first-line team.")
    tags: Tags = Field(default_factory=list, description="Agents only.")
    channel: Channel = Field(Channel.API, description="Agents only.")
    call_duration_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = Field(
        None, description="Agents only: the length of the phone call this ticket records."
    )
    attachments: Attachments = Field(default_factory=list)
    type: Annotated[str, Field(max_length=50)] | None = Field(
        None, description="A request type's key (`GET /request-types`); its values in `fields`."
    )
    fields: FieldValues = Field(
        default_factory=dict,
        description="The request type's custom field values by key (a 422 names a refused "
        'one as `fields.KEY`). Files: `{"filename": ..., "content_base64": ...}`.',
    )


class TicketPatch(Schema):
    """Only the fields present in the body change, each through its own action."""

    subject: Subject | None = None
    state: State | None = None
    priority: PriorityName | None = None
    assignee: Id | None = Field(None, description="An agent's id, or null to unassign.")
    team: Id | None = None
    tags: Tags | None = None
    reason: Reason | None = Field(
        None, description="Why: kept with a state change or with a move to a higher tier."
    )
    version: Annotated[int, Field(ge=1, le=2**31)] | None = Field(
        None, description="The version you read; a 409 if someone changed the ticket since."
    )


CcAddress = Annotated[str, Field(max_length=320), SafeText]


class ReplyIn(Schema):
    body: Body
    body_html: BodyHtml = ""
    state: State | None = Field(None, description="Agents only: the state after the reply.")
    attachments: Attachments = Field(default_factory=list)
    cc: list[CcAddress] | None = Field(
        None,
        description="Agents only: exactly these addresses in Cc of the mail to the customer "
        "([] for none); leave it out (or null) to copy the others on the customer's latest "
        "mail. The customer's and the desk's own addresses are dropped.",
    )


class NoteIn(Schema):
    body: Body
    attachments: Attachments = Field(default_factory=list)


class EscalateIn(Schema):
    to_tier: Tier
    reason: Reason
    team: Id | None = Field(None, description="A team at that tier; default: the tier's team.")
    reason_kind: EscalationReason = Field(
        EscalationReason.OTHER, description="The kind of reason, counted in the reports."
    )


class NoReplyIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=300), SafeText, NotBlank]


class MergeIn(Schema):
    into: Id


class TicketFilters(Schema):
    state: State | None = None
    priority: PriorityName | None = None
    team: Id | None = Field(None, description="Agents only.")
    assignee: ShortText | None = Field(
        None, description="Agents only: an agent's id, `me` or `none`."
    )
    organisation: Id | None = None
    customer: Id | None = None
    tag: TagName | None = Field(None, description="Agents only.")
    channel: Channel | None = Field(None, description="Agents only: the channel it came by.")
    view: InboxView | None = Field(None, description="Agents only.")
    q: ShortText | None = Field(
        None,
        description="Words to search in subjects and messages (the last word as a prefix); "
        f"pages through the newest {MAX_CANDIDATES} matches.",
    )
    cursor: CursorText | None = None
    limit: Limit = 50


LIST_PARAMS = frozenset(TicketFilters.model_fields)
AGENT_ONLY_FILTERS = ("team", "assignee", "tag", "channel", "view")


# --- helpers ------------------------------------------------------------------------------


def _require_agent(user: User) -> None:
    if not user.is_agent:
        raise PermissionDenied(_("Only agents may do this."))


def _agents_only(user: User, payload: Schema, names: Sequence[str]) -> None:
    if user.is_agent:
        return
    for name in names:
        if name in payload.model_fields_set:
            raise ApiError(403, "forbidden", _("Only agents may set this."), field=name)


def _unknown(field: str) -> ApiError:
    return ApiError(422, "unknown_reference", _("No such object, or not yours to see."), field)


def _team(pk: int, field: str = "team") -> Team:
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise _unknown(field)
    return team


def _agent(viewer: User, pk: int) -> User:
    agent = agents_visible_to(viewer).filter(pk=pk).first()
    if agent is None:
        raise _unknown("assignee")
    return agent


def _files(items: Sequence[AttachmentIn]) -> list[NewAttachment]:
    return [NewAttachment(filename=a.filename, data=a.content_base64) for a in items]


def _decode_cursor(raw: str | None) -> Cursor | None:
    if not raw:
        return None
    try:
        cursor = Cursor.decode(raw)
        cursor.at.astimezone(UTC)  # out-of-range dates fail here, not in the database
    except (BadCursor, OverflowError, ValueError):
        raise bad_request("bad_cursor", _("This cursor is not valid."), field="cursor") from None
    if not 1 <= cursor.pk <= MAX_ID:
        raise bad_request("bad_cursor", _("This cursor is not valid."), field="cursor")
    return cursor


def _filtered(user: User, f: TicketFilters) -> QuerySet[Ticket]:
    if not user.is_agent:
        for name in AGENT_ONLY_FILTERS:
            if getattr(f, name) is not None:
                raise ApiError(403, "forbidden", _("Only agents may filter by this."), name)
    qs = view_queryset(user, f.view) if f.view is not None else tickets_visible_to(user)
    if f.state is not None:
        qs = qs.filter(state=f.state)
    if f.priority is not None:
        qs = qs.filter(priority=PRIORITY_BY_NAME[f.priority])
    if f.team is not None:
        qs = qs.filter(team_id=f.team)
    if f.assignee is not None:
        qs = _by_assignee(qs, user, f.assignee)
    if f.organisation is not None:
        qs = qs.filter(organisation_id=f.organisation)
    if f.customer is not None:
        qs = qs.filter(customer_id=f.customer)
    if f.tag is not None:
        qs = qs.filter(tags__name=f.tag.strip().lower())
    if f.channel is not None:
        qs = qs.filter(channel=f.channel)
    if f.q is not None and f.q.strip():
        found = search_tickets(user, f.q, limit=MAX_CANDIDATES)
        qs = qs.filter(pk__in=[t.pk for t in found])
    return qs


def _by_assignee(qs: QuerySet[Ticket], user: User, value: str) -> QuerySet[Ticket]:
    value = value.strip().lower()
    if value == "me":
        return qs.filter(assignee=user)
    if value == "none":
        return qs.filter(assignee__isnull=True)
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID:
        return qs.filter(assignee_id=int(value))
    raise bad_request("invalid", _("assignee: an agent's id, 'me' or 'none'."), field="assignee")


# --- operations ---------------------------------------------------------------------------


@router.get("/tickets", response={200: TicketPage, **ERRORS})
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> TicketPage:
    """Tickets you may see, most recently changed first, one page at a time.

    Pass `next_cursor` from a page as `cursor` to get the next; pages never overlap or skip.
    """
    reject_unknown_params(request, LIST_PARAMS)
    user = current_user(request)
    qs = _filtered(user, filters)
    rows, next_cursor = page(qs, _decode_cursor(filters.cursor), filters.limit)
    return TicketPage(
        items=_tickets_out(rows, user),
        next_cursor=next_cursor.encode() if next_cursor is not None else None,
    )


class SearchParams(Schema):
    q: Annotated[str, Field(min_length=1, max_length=200), SafeText, NotBlank]
    limit: Limit = 20


@router.get("/search", response={200: list[TicketOut], **ERRORS})
def search(request: HttpRequest, params: Query[SearchParams]) -> list[TicketOut]:
    """Agents: tickets whose subject or messages (notes included) match, newest first."""
    reject_unknown_params(request, SearchParams.model_fields)
    user = current_user(request)
    _require_agent(user)
    return _tickets_out(search_tickets(user, params.q, limit=params.limit), user)


@router.post("/tickets", response={201: TicketOut, **ERRORS})
def create_ticket(request: HttpRequest, payload: TicketIn) -> Status[TicketOut]:
    """Opens a ticket with its first customer message. Customers open tickets for themselves."""
    user = current_user(request)
    _agents_only(user, payload, ("priority", "team", "tags", "channel", "call_duration_seconds"))
    if user.is_agent:
        try:
            customer = get_customer_for(user, payload.customer) if payload.customer else None
        except Http404:
            raise _unknown("customer") from None
    else:
        if payload.customer is not None and payload.customer != user.pk:
            raise ApiError(
                403, "forbidden", _("Customers open tickets only for themselves."), "customer"
            )
        customer = user
    team = _team(payload.team) if payload.team is not None else None
    request_type = chosen_type(user, payload.type) if payload.type else None
    values = decode_files(request_type, payload.fields) if request_type else payload.fields
    try:
        ticket = submit(
            request_type=request_type,
            values=values,
            subject=payload.subject,
            body=payload.body,
            body_html=payload.body_html,
            customer=customer,
            channel=payload.channel if user.is_agent else Channel.API,
            by=user,
            priority=PRIORITY_BY_NAME[payload.priority]
            if "priority" in payload.model_fields_set
            else None,
            team=team,
            attachments=_files(payload.attachments),
            tags=payload.tags,
            call_duration_seconds=payload.call_duration_seconds,
        )
    except FieldErrors as exc:
        raise fields_error(exc) from None
    return Status(201, ticket_out(_reload(ticket), user))


@router.get("/tickets/{id}", response={200: TicketOut, **ERRORS})
def get_ticket(request: HttpRequest, id: Id) -> TicketOut:
    user = current_user(request)
    return ticket_out(_reload(get_ticket_for(user, id)), user)


@router.patch("/tickets/{id}", response={200: TicketOut, **ERRORS})
def update_ticket(request: HttpRequest, id: Id, payload: TicketPatch) -> TicketOut:
    """Changes subject, state, priority, assignee, team and tags in one transaction.

    Fields left out stay as they are; `"assignee": null` unassigns. Moving to a team of a
    higher tier is an escalation and needs a `reason`.
    """
    user = current_user(request)
    ticket = get_ticket_for(user, id, write=True)
    _require_agent(user)
    given = payload.model_fields_set
    for name in ("subject", "state", "priority", "team", "tags", "reason", "version"):
        if name in given and getattr(payload, name) is None:
            raise ApiError(422, "invalid", _("This field may not be null."), field=name)
    reason = payload.reason or ""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if payload.version is not None and payload.version != locked.version:
            raise ApiError(
                409,
                "version_conflict",
                _("Someone changed this ticket since you read it; reload and try again."),
                field="version",
            )
        if payload.subject is not None:
            actions.set_subject(locked, payload.subject, by=user)
        if payload.team is not None:
            team = _team(payload.team)
            _as_field("team", lambda: actions.move_to_team(locked, team, by=user, reason=reason))
        if "assignee" in given:
            assignee = _agent(user, payload.assignee) if payload.assignee is not None else None
            _as_field("assignee", lambda: actions.assign(locked, assignee, by=user))
        if payload.priority is not None:
            actions.set_priority(locked, PRIORITY_BY_NAME[payload.priority], by=user)
        if payload.tags is not None:
            actions.set_tags(locked, payload.tags, by=user)
        if payload.state is not None:
            state = payload.state
            _as_field("state", lambda: actions.change_state(locked, state, by=user, reason=reason))
    return ticket_out(_reload(ticket), user)


def _as_field(field: str, change: Any) -> None:
    """Runs one action; a refusal names the field that asked for it."""
    try:
        change()
    except ActionError as exc:
        code = "invalid_transition" if isinstance(exc.__cause__, TransitionError) else "refused"
        raise ApiError(409, code, str(exc), field=field) from exc


@router.post("/tickets/{id}/reply", response={201: MessageOut, **ERRORS})
def reply(request: HttpRequest, id: Id, payload: ReplyIn) -> Status[MessageOut]:
    """Agents: a public reply (answers every waiting customer message). Customers: a new
    message on their ticket (on a closed ticket it opens a linked follow-up ticket)."""
    user = current_user(request)
    ticket = get_ticket_for(user, id, write=True)
    _agents_only(user, payload, ("state", "cc"))
    files = _files(payload.attachments)
    if user.is_agent:
        try:
            message = actions.reply(
                ticket,
                body=payload.body,
                body_html=payload.body_html,
                by=user,
                attachments=files,
                then_state=payload.state,
                cc=payload.cc,
            )
        except InvalidCc as exc:
            raise ApiError(422, "invalid", str(exc), field="cc") from exc
    else:
        message = actions.add_customer_message(
            ticket,
            body=payload.body,
            body_html=payload.body_html,
            author=user,
            channel=Channel.API,
            by=user,
            attachments=files,
        )
    staff = user.is_agent
    reply_out = message_out(_messages(Message.objects.filter(pk=message.pk)).get(), staff=staff)
    return Status(201, reply_out)


@router.post("/tickets/{id}/notes", response={201: MessageOut, **ERRORS})
def add_note(request: HttpRequest, id: Id, payload: NoteIn) -> Status[MessageOut]:
    """An internal note: agents only, never shown to the customer."""
    user = current_user(request)
    ticket = get_ticket_for(user, id, write=True)
    _require_agent(user)
    message = actions.add_note(ticket, body=payload.body, by=user, attachments=_files(
        payload.attachments
    ))  # fmt: skip
    note = _messages(Message.objects.filter(pk=message.pk)).get()
    return Status(201, message_out(note, staff=True))


@router.post("/tickets/{id}/escalate", response={200: TicketOut, **ERRORS})
def escalate(request: HttpRequest, id: Id, payload: EscalateIn) -> TicketOut:
    """Passes the ticket to a higher tier, with a written reason that goes on the timeline."""
    user = current_user(request)
    ticket = get_ticket_for(user, id, write=True)
    _require_agent(user)
    team = _team(payload.team) if payload.team is not None else None
    if team is not None and team.tier != payload.to_tier:
        raise ApiError(422, "invalid", _("This team is not at that tier."), field="team")
    actions.escalate(
        ticket,
        Tier(payload.to_tier),
        by=user,
        reason=payload.reason,
        team=team,
        reason_kind=payload.reason_kind,
    )
    return ticket_out(_reload(ticket), user)


@router.post("/tickets/{id}/no-reply-needed", response={200: NoReplyOut, **ERRORS})
def no_reply_needed(request: HttpRequest, id: Id, payload: NoReplyIn) -> NoReplyOut:
    """Marks the waiting customer messages as needing no answer, with who and why."""
    user = current_user(request)
    ticket = get_ticket_for(user, id, write=True)
    _require_agent(user)
    return NoReplyOut(marked=actions.mark_no_reply_needed(ticket, by=user, reason=payload.reason))


@router.post("/tickets/{id}/merge", response={200: TicketOut, **ERRORS})
def merge(request: HttpRequest, id: Id, payload: MergeIn) -> TicketOut:
    """Moves every message of this ticket into `into` and closes this one as merged."""
    user = current_user(request)
    source = get_ticket_for(user, id, write=True)
    _require_agent(user)
    try:
        into = get_ticket_for(user, payload.into, write=True)
    except Http404:
        raise _unknown("into") from None
    merged = actions.merge(source, into, by=user)
    return ticket_out(_reload(merged), user)


@router.get("/tickets/{id}/messages", response={200: list[MessageOut], **ERRORS})
def list_messages(request: HttpRequest, id: Id) -> list[MessageOut]:
    """The conversation, oldest first. Customers do not see internal notes."""
    user = current_user(request)
    ticket = get_ticket_for(user, id)
    staff = user.is_agent
    return [message_out(m, staff=staff) for m in _messages(messages_visible_to(user, ticket))]


@router.get("/tickets/{id}/events", response={200: list[EventOut], **ERRORS})
def list_events(request: HttpRequest, id: Id) -> list[EventOut]:
    """The timeline (the audit log reads the same rows). Agents only."""
    user = current_user(request)
    ticket = get_ticket_for(user, id)
    _require_agent(user)
    events = (
        Event.objects.filter(ticket=ticket).select_related("actor").order_by("created_at", "pk")
    )
    return [
        EventOut(
            id=e.pk,
            kind=e.kind,
            actor=person_ref(e.actor),
            created_at=e.created_at,
            before=e.before,
            after=e.after,
            reason=e.reason,
            message=e.message_id,
        )
        for e in events
    ]
