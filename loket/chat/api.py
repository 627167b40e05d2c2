"""``/api/chat/{channel_key}/…``: the visitor API the widget uses (and any other client).

No account: a visitor opens a session with their first message and gets a token
(``Authorization: Bearer lkc_…``) for that session only. Only pages on the channel's allowed
origins may call it (``Origin`` header; see ``loket.chat.cors``); floods get 429 with
``Retry-After``, per visitor session, client address and channel.
"""

from __future__ import annotations

import contextlib
import functools
import random
from datetime import datetime
from typing import Annotated, Any, Literal

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.handlers.asgi import ASGIRequest
from django.core.validators import validate_email
from django.db import connection, transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import AfterValidator, Field

from loket.accounts.models import User
from loket.api.errors import ERRORS, ApiError
from loket.api.schemas import NotBlank, SafeText
from loket.chat import actions, availability
from loket.chat.actions import ChatError, Identity
from loket.chat.cors import channel_for_request
from loket.chat.live import VisitorAudience, still_valid
from loket.chat.models import ChatChannel, ChatSession
from loket.chat.texts import widget_texts
from loket.lib.clientip import client_ip
from loket.lib.ratelimit import hit, parse_rate
from loket.live.cursor import BadCursor, Cursor
from loket.live.hub import Hub, HubClosed, get_hub
from loket.live.presence import present
from loket.live.stream import Stream
from loket.tickets.models import Message, MessageKind

router = Router(tags=["chat (visitor API)"])

Language = Literal["en", "nl", "ru"]
Name = Annotated[str, Field(min_length=1, max_length=150), SafeText, NotBlank]
MessageText = Annotated[str, Field(min_length=1, max_length=actions.MAX_BODY), SafeText, NotBlank]
MAX_MESSAGES = 200


def _email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError(_("Enter a valid e-mail address.")) from None
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]


class VisitorToken(HttpBearer):
    """The session's visitor token (``lkc_…``); checked against the session in the path."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> str | None:
        return token or None


def _throttled(scope: str, key: str, rate: str) -> None:
    if not hit(scope, key, rate):
        raise ApiError(429, "throttled", _("Too many requests. Wait a minute and try again."))


CHANNEL_SHARDS = 8


def _count_channel(channel: ChatChannel) -> None:
    """Counts a call against the channel's rate. Every visitor's every call counts here, so
    the count is spread over ``CHANNEL_SHARDS`` rows (each allowing its share of the rate):
    one row, locked by each count until it commits, made every visitor of a busy channel
    wait for the others on PostgreSQL."""
    limit, _window = parse_rate(settings.CHAT_CHANNEL_RATE)
    unit = settings.CHAT_CHANNEL_RATE.partition("/")[2]
    shard = random.randrange(CHANNEL_SHARDS)  # noqa: S311 - spreading, not security
    share = f"{max(1, -(-limit // CHANNEL_SHARDS))}/{unit}"
    _throttled("chat-channel", f"{channel.key}:{shard}", share)


def _channel(request: HttpRequest, channel_key: str, *, count: bool = True) -> ChatChannel:
    """The channel, for a page on one of its origins; counted against its rate unless the
    caller counts it with its own write (``count=False``)."""
    channel = channel_for_request(request, channel_key)
    if channel is None:
        raise ApiError(404, "unknown_channel", _("There is no chat channel with this key."))
    origin = request.headers.get("Origin", "").rstrip("/").lower()
    if origin not in channel.origins():
        raise ApiError(403, "origin_refused", _("This website may not use this chat channel."))
    if count:
        _count_channel(channel)
    return channel


def _session(request: HttpRequest, channel: ChatChannel, session_id: int) -> ChatSession:
    raw = request.auth if isinstance(request.auth, str) else ""  # type: ignore[attr-defined]
    session = actions.session_for(channel, session_id, raw)
    if session is None:
        _throttled("chat-bad-token", client_ip(request), "30/m")
        raise ApiError(401, "bad_token", _("This chat session has ended or the token is wrong."))
    return session


class ProactiveOut(Schema):
    after_seconds: int
    pages: list[str]
    text: str


class ConfigOut(Schema):
    language: Language
    online: bool
    greeting: str
    proactive: ProactiveOut | None
    accent: str
    text_on_accent: str
    position: str
    texts: dict[str, str]


class SessionIn(Schema):
    name: Name
    email: Email
    message: MessageText
    language: Language = "en"
    page_url: Annotated[str, Field(max_length=500)] = ""
    user_id: Annotated[str, Field(max_length=200)] = ""
    user_hash: Annotated[str, Field(max_length=128)] = ""


class SessionOut(Schema):
    session: int
    ticket: int
    token: str
    expires_at: datetime
    online: bool


class MessageIn(Schema):
    body: MessageText


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: Literal["visitor", "agent"]
    author: str
    body: str
    created_at: datetime
    attachments: list[AttachmentOut] = []


class ConversationOut(Schema):
    state: Literal["open", "closed"]
    agent: str | None
    agent_photo: str | None
    agent_read_upto: int
    agent_typing: bool
    typist: str | None
    online: bool
    messages: list[MessageOut]


def _language(raw: str) -> str:
    code = raw.lower()[:2]
    return code if code in ("nl", "ru") else "en"


@router.get(
    "/chat/{channel_key}/config",
    response={200: ConfigOut, **ERRORS, 429: ERRORS[400]},
    auth=None,
    summary="The widget's settings and texts",
)
def config(request: HttpRequest, channel_key: str, lang: str = "en") -> ConfigOut:
    """Colours, position, greeting and the widget's texts in ``lang`` (``nl`` or ``en``),
    and whether an agent is available now (else messages are answered by e-mail)."""
    channel = _channel(request, channel_key)
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    language = _language(lang)
    with translation.override(language):
        texts = widget_texts()
    proactive = channel.proactive(language)
    return ConfigOut(
        language=language,  # type: ignore[arg-type]
        online=availability.is_online(channel),
        greeting=channel.greeting(language),
        proactive=ProactiveOut(
            after_seconds=channel.proactive_after,
            pages=channel.proactive_patterns(),
            text=proactive,
        )
        if proactive
        else None,
        accent=channel.accent,
        text_on_accent=channel.text_on_accent,
        position=channel.position,
        texts=texts,
    )


@router.post(
    "/chat/{channel_key}/sessions",
    response={201: SessionOut, **ERRORS, 429: ERRORS[400]},
    auth=None,
    summary="Start a conversation",
)
def start(request: HttpRequest, channel_key: str, payload: SessionIn) -> Status[SessionOut]:
    """Opens a conversation (a ticket with channel ``chat``) with the visitor's first message.
    ``ticket`` is the conversation's ticket number (the visitor's reference). The answer's
    ``token`` is shown once: send it as ``Authorization: Bearer <token>``.
    A visitor signed in on the host site may add ``user_id`` and ``user_hash``
    (HMAC-SHA256 of the user id with the channel secret, hex)."""
    channel = _channel(request, channel_key)
    ip = client_ip(request)
    _throttled("chat-ip", ip, settings.CHAT_IP_RATE)
    _throttled("chat-new-session", ip, settings.CHAT_SESSION_RATE)
    claimed = Identity(payload.user_id, payload.user_hash) if payload.user_id else None
    try:
        session, token = actions.start_session(
            channel, name=payload.name, email=str(payload.email), body=payload.message,
            language=payload.language, page_url=payload.page_url, ip=ip, claimed=claimed,
        )  # fmt: skip
    except ChatError as exc:
        raise ApiError(422, "refused", str(exc)) from None
    return Status(
        201,
        SessionOut(
            session=session.pk,
            ticket=session.ticket_id,
            token=token,
            expires_at=session.expires_at,
            online=availability.is_online(channel),
        ),
    )


def _message_out(message: Message) -> MessageOut:
    agent = message.kind == MessageKind.REPLY
    author = message.author.name if message.author is not None else ""
    return MessageOut(
        id=message.pk,
        kind="agent" if agent else "visitor",
        author=author,
        body=message.body,
        created_at=message.created_at,
        attachments=[
            AttachmentOut(id=a.pk, filename=a.filename, content_type=a.content_type, size=a.size)
            for a in message.attachments.all()
        ],
    )


def _photo_url(request: HttpRequest, channel: ChatChannel, agent: User | None) -> str | None:
    if agent is None or not agent.avatar:
        return None
    return request.build_absolute_uri(f"/api/chat/{channel.key}/photos/{agent.pk}")


@router.get(
    "/chat/{channel_key}/sessions/{session_id}",
    response={200: ConversationOut, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="The conversation so far",
)
def conversation(
    request: HttpRequest, channel_key: str, session_id: int, after: Query[int] = 0
) -> ConversationOut:
    """Messages (the visitor's and the agents' public replies, never internal notes) with
    an id above ``after``, oldest first; who answers, and who is typing (``typist``)."""
    channel = _channel(request, channel_key)
    session = _session(request, channel, session_id)
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    actions.seen(session)  # what it reads now need not be mailed
    ticket = session.ticket
    rows = (
        Message.objects.filter(
            ticket=ticket, kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY], pk__gt=after
        )
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("pk")[:MAX_MESSAGES]
    )
    typists = [p.name for p in present(ticket) if p.typing]
    return ConversationOut(
        state="closed" if actions.is_closed(session) else "open",
        agent=ticket.assignee.name if ticket.assignee is not None else None,
        agent_photo=_photo_url(request, channel, ticket.assignee),
        agent_read_upto=session.agent_read_upto,
        agent_typing=bool(typists),
        typist=typists[0] if typists else None,
        online=availability.is_online(channel),
        messages=[_message_out(m) for m in rows],
    )


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/messages",
    response={201: MessageOut, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="Send a message",
)
def send(
    request: HttpRequest, channel_key: str, session_id: int, payload: MessageIn
) -> Status[MessageOut]:
    """A visitor's message: a customer message on the conversation's ticket. HTML is not
    interpreted anywhere; it is kept and shown as text."""
    channel = _channel(request, channel_key, count=False)
    session = _session(request, channel, session_id)  # (a wrong token is counted for good)
    # On SQLite one write transaction for these counts and the message: every transaction
    # queues for the one write lock, and one each made a busy chat wait for it again and
    # again. On PostgreSQL the counts commit first, on their own: inside the message's
    # transaction the row of this address's count stayed locked until the message was
    # written, and every other visitor behind the same address waited for it.
    one_writer = connection.vendor == "sqlite"
    with transaction.atomic() if one_writer else contextlib.nullcontext():
        _count_channel(channel)
        _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
        _throttled("chat-visitor", str(session.pk), settings.CHAT_VISITOR_RATE)
        try:
            message = actions.visitor_message(session, payload.body)
        except ChatError as exc:
            raise ApiError(422, "refused", str(exc)) from None
    return Status(201, _message_out(message))


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/typing",
    response={204: None, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="The visitor is typing",
)
def typing(request: HttpRequest, channel_key: str, session_id: int) -> Status[None]:
    channel = _channel(request, channel_key)
    session = _session(request, channel, session_id)
    _throttled("chat-visitor-typing", str(session.pk), "60/m")
    actions.visitor_typing(session)
    return Status(204, None)


def _stream_check(request: HttpRequest, channel_key: str, session_id: int) -> ChatSession:
    channel = _channel(request, channel_key)
    raw = request.headers.get("Authorization", "")
    token = raw[7:].strip() if raw[:7].lower() == "bearer " else request.GET.get("token", "")
    session = actions.session_for(channel, session_id, token)
    if session is None:
        _throttled("chat-bad-token", client_ip(request), "30/m")
        raise ApiError(401, "bad_token", _("This chat session has ended or the token is wrong."))
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    return session


async def _refresh(hub: Hub, session_id: int) -> VisitorAudience | None:
    return await hub.run_db(still_valid, session_id)


@router.get(
    "/chat/{channel_key}/sessions/{session_id}/events",
    response={200: None, **ERRORS, 429: ERRORS[400], 503: ERRORS[400]},
    auth=None,
    summary="Server-sent events of the conversation",
    openapi_extra={
        "responses": {
            "200": {"description": "text/event-stream", "content": {"text/event-stream": {}}}
        }
    },
)
async def events(
    request: HttpRequest,
    channel_key: str,
    session_id: int,
    token: str = "",
    last_event_id: str = "",
) -> Any:
    """``text/event-stream``. Token as ``Authorization: Bearer`` or, for ``EventSource``
    (which cannot send headers), ``?token=``. Events: ``ticket`` (``{"kind": "message" |
    "state" | "assignee"}``: read the conversation again), ``presence`` (an agent started or
    stopped typing), ``ready``, ``reset``, ``denied`` (the session ended). ``Last-Event-ID``
    (or ``?last_event_id=``) resumes with nothing missed and nothing twice."""
    raw = request.headers.get("Last-Event-ID") or last_event_id
    try:
        since = Cursor.parse(raw) if raw else None
    except BadCursor:
        raise ApiError(400, "bad_position", _("This stream position is not valid.")) from None
    session = await sync_to_async(_stream_check)(request, channel_key, session_id)
    if not isinstance(request, ASGIRequest):  # a WSGI server would hold a thread for ever
        raise ApiError(503, "needs_asgi", _("Live updates need an ASGI server."))
    try:
        hub = await get_hub()
    except HubClosed:
        raise ApiError(
            503, "restarting", _("The server is restarting; try again shortly.")
        ) from None
    owner = f"chat:{session.pk}"
    if not hub.has_room(owner):
        raise ApiError(429, "throttled", _("Too many open connections for this conversation."))
    refresh = functools.partial(_refresh, hub, session.pk)
    stream = Stream(hub, owner, VisitorAudience(session.ticket_id), since=since, refresh=refresh)
    response: HttpResponseBase = stream.response()
    return response
