"""More of the visitor API (``/api/chat/{channel_key}/…``, see ``loket.chat.api``): files
both ways, read state, the transcript by mail, and the answering agent's photo."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from loket.api.errors import ERRORS, ApiError
from loket.chat import actions, transcript
from loket.chat.actions import ChatError
from loket.chat.api import (
    MessageOut,
    VisitorToken,
    _channel,
    _message_out,
    _session,
    _throttled,
)
from loket.lib.clientip import client_ip
from loket.lib.files import SAFE_INLINE_SIGNATURES, AttachmentRejected, display_name, sniff_type
from loket.tickets.actions import ActionError, NewAttachment
from loket.tickets.downloads import safe_file_response
from loket.tickets.models import Attachment, MessageKind

router = Router(tags=["chat (visitor API)"])

FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file; raster images inline, everything else as a download.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    }
}


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/attachments",
    response={201: MessageOut, **ERRORS, 413: ERRORS[400], 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="Send a file",
)
def send_file(
    request: HttpRequest,
    channel_key: str,
    session_id: int,
    file: File[UploadedFile],
    body: Form[str] = "",
) -> Status[MessageOut]:
    """``multipart/form-data`` with ``file`` (and an optional ``body`` text): a visitor's
    message with that file, checked as a mail's attachment is (the same size limit, a safe
    name, the type taken from the bytes, never shown as active content)."""
    channel = _channel(request, channel_key)
    session = _session(request, channel, session_id)
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    _throttled("chat-visitor", str(session.pk), settings.CHAT_VISITOR_RATE)
    _throttled("chat-visitor-files", str(session.pk), settings.CHAT_FILE_RATE)
    try:
        from loket.lib.files import read_checked

        data, _kind, _digest = read_checked(file)
        item = NewAttachment(display_name(file.name or ""), data)
        message = actions.visitor_message(session, body, [item])
    except AttachmentRejected as exc:
        raise ApiError(413, "too_large", str(exc)) from None
    except (ChatError, ActionError) as exc:
        raise ApiError(422, "refused", str(exc)) from None
    return Status(201, _message_out(message))


@router.get(
    "/chat/{channel_key}/sessions/{session_id}/attachments/{attachment_id}",
    response={**ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="Download a file of the conversation",
    openapi_extra=FILE_RESPONSE,
)
def get_file(
    request: HttpRequest, channel_key: str, session_id: int, attachment_id: int
) -> FileResponse:
    """A file on a message of this conversation that the visitor sees (theirs or an agent's
    reply; never one on an internal note)."""
    channel = _channel(request, channel_key)
    session = _session(request, channel, session_id)
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    item = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__ticket=session.ticket,
            message__kind__in=[MessageKind.CUSTOMER, MessageKind.REPLY],
        )
        .select_related("message")
        .first()
    )
    if item is None:
        raise ApiError(404, "not_found", _("There is no such file in this conversation."))
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = safe_file_response(handle, item.filename, item.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


class ReadIn(Schema):
    upto: int = Field(ge=0)


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/read",
    response={204: None, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="The visitor has read the replies",
)
def read(request: HttpRequest, channel_key: str, session_id: int, payload: ReadIn) -> Status[None]:
    """The widget showed the agents' replies up to message ``upto`` (the chat open, the page
    visible). The agents see it on their replies."""
    channel = _channel(request, channel_key)
    session = _session(request, channel, session_id)
    _throttled("chat-visitor-read", str(session.pk), "60/m")
    actions.visitor_read(session, payload.upto)
    return Status(204, None)


@router.post(
    "/chat/{channel_key}/sessions/{session_id}/transcript",
    response={202: None, **ERRORS, 429: ERRORS[400]},
    auth=VisitorToken(),
    summary="Mail the conversation to the visitor",
)
def mail_transcript(request: HttpRequest, channel_key: str, session_id: int) -> Status[None]:
    """The conversation so far, mailed to the address the visitor gave at the start (or the
    host site vouched for): never to another one. At most a few times an hour."""
    channel = _channel(request, channel_key)
    session = _session(request, channel, session_id)
    _throttled("chat-ip", client_ip(request), settings.CHAT_IP_RATE)
    _throttled("chat-transcript", str(session.pk), settings.CHAT_TRANSCRIPT_RATE)
    transcript.request(session)
    return Status(202, None)


@router.get(
    "/chat/{channel_key}/photos/{agent_id}",
    response={**ERRORS, 429: ERRORS[400]},
    auth=None,
    summary="The photo of an agent who answers on this channel",
    openapi_extra=FILE_RESPONSE,
)
def photo(request: HttpRequest, channel_key: str, agent_id: int) -> FileResponse:
    """Only of an active agent in the channel's team who set a photo on their profile; a
    PNG, JPEG, GIF or WebP image (by its bytes), else 404. For ``<img>``: no ``Origin``
    check (images send none), served for any site to show."""
    from loket.chat.cors import channel_for_request

    channel = channel_for_request(request, channel_key)
    if channel is None:
        raise ApiError(404, "unknown_channel", _("There is no chat channel with this key."))
    _throttled("chat-photo", client_ip(request), settings.CHAT_IP_RATE)
    agent = channel.team.members.filter(pk=agent_id, is_active=True).first()
    if agent is None or not agent.is_agent or not agent.avatar:
        raise ApiError(404, "not_found", _("This agent has no photo."))
    handle = agent.avatar.open("rb")
    kind = sniff_type(handle.read(16))
    handle.seek(0)
    if kind not in SAFE_INLINE_SIGNATURES:
        handle.close()
        raise ApiError(404, "not_found", _("This agent has no photo."))
    response = safe_file_response(handle, "photo", kind)
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
