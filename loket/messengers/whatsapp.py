"""The WhatsApp Business Cloud API (Graph API), through ``loket.lib.http``.

Webhooks: the verification handshake (``hub.mode``/``hub.verify_token``/``hub.challenge``) and
the ``X-Hub-Signature-256`` check (HMAC-SHA256 of the raw body with the app secret). Out:
``POST /{phone-number-id}/messages`` (text, or an approved template outside the 24-hour
window). Media in: ``GET /{media-id}`` gives a URL, fetched with the same bearer token. The
API base is ``WHATSAPP_API_BASE`` (``LOKET_WHATSAPP_API_BASE``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from loket.lib import http
from loket.messengers import multipart
from loket.messengers.errors import ApiError, RateLimited, permanent_status

WINDOW = timedelta(hours=24)
TEXT_LIMIT = 4096
MEDIA_KINDS = ("image", "document", "audio", "video", "sticker", "voice")
IMAGE_TYPES = ("image/jpeg", "image/png")
IMAGE_MAX = 5 * 1024 * 1024  # images: 5 MB
DOCUMENT_MAX = 100 * 1024 * 1024  # documents: 100 MB
CAPTION_LIMIT = 1024


def _base() -> str:
    return str(settings.WHATSAPP_API_BASE).rstrip("/")


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=<hex HMAC of body>`` with ``app_secret`` (constant time)."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def _request(
    method: str,
    url: str,
    token: str,
    payload: dict[str, Any] | None = None,
    *,
    max_bytes: int = 1024 * 1024,
    timeout: float | None = None,
) -> http.Response:
    headers = {"Authorization": f"Bearer {token}"}
    content = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(payload).encode()
    try:
        return http.fetch_sync(
            url,
            method=method,
            headers=headers,
            content=content,
            timeout=timeout if timeout is not None else float(settings.MESSENGER_TIMEOUT_SECONDS),
            max_bytes=max_bytes,
            follow_redirects=False,
        )
    except http.TooLarge as exc:
        raise ApiError(_("The file is larger than the desk accepts."), permanent=True) from exc
    except http.HttpError as exc:
        raise ApiError(_("WhatsApp could not be reached (%(kind)s).") % {"kind": exc.kind}) from exc


def _raise_for(response: http.Response, what: str) -> None:
    if 200 <= response.status_code < 300:
        return
    try:
        error = json.loads(response.body).get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    reason = (
        str(error.get("message") or response.status_code)[:300]
        if isinstance(error, dict)
        else str(response.status_code)
    )
    if response.status_code == 429:
        retry_after = response.headers.get("retry-after", "60")
        raise RateLimited(
            _("WhatsApp asks to wait: %(why)s") % {"why": reason},
            float(retry_after) if retry_after.isdigit() else 60.0,
        )
    raise ApiError(
        _("WhatsApp refused %(what)s: %(why)s") % {"what": what, "why": reason},
        permanent=permanent_status(response.status_code),
    )


def _send(phone_number_id: str, token: str, payload: dict[str, Any]) -> str:
    response = _request("POST", f"{_base()}/{phone_number_id}/messages", token, payload)
    _raise_for(response, _("the message"))
    try:
        messages = json.loads(response.body).get("messages") or []
        return str(messages[0].get("id", ""))
    except (ValueError, AttributeError, IndexError):
        return ""


def send_text(phone_number_id: str, token: str, to: str, text: str) -> str:
    return _send(
        phone_number_id,
        token,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": text[:TEXT_LIMIT]},
        },
    )


def send_template(phone_number_id: str, token: str, to: str, name: str, language: str) -> str:
    return _send(
        phone_number_id,
        token,
        {
            "messaging_product": "whatsapp",
            "to": to,
            "type": "template",
            "template": {"name": name, "language": {"code": language}},
        },
    )


def upload_media(phone_number_id: str, token: str, part: multipart.FilePart) -> str:
    """``POST /{phone-number-id}/media``: the file stored with Meta; its media id."""
    content, content_type = multipart.encode(
        {"messaging_product": "whatsapp", "type": part.content_type or "application/octet-stream"},
        {"file": part},
    )
    try:
        response = http.fetch_sync(
            f"{_base()}/{phone_number_id}/media",
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            content=content,
            timeout=4 * float(settings.MESSENGER_TIMEOUT_SECONDS),
            max_bytes=1024 * 1024,
            follow_redirects=False,
        )
    except http.HttpError as exc:
        raise ApiError(_("WhatsApp could not be reached (%(kind)s).") % {"kind": exc.kind}) from exc
    _raise_for(response, _("the media upload"))
    try:
        media_id = json.loads(response.body).get("id")
    except (ValueError, AttributeError):
        media_id = None
    if not media_id:
        raise ApiError(_("WhatsApp gave no media id for the upload."))
    return str(media_id)


def send_file(
    phone_number_id: str, token: str, to: str, part: multipart.FilePart, caption: str = ""
) -> str:
    """A file to the customer: uploaded, then sent as an image (JPEG or PNG within the image
    limit) or else as a document with its name. The id of the message sent."""
    if len(part.data) > DOCUMENT_MAX:
        raise ApiError(_("The file is larger than WhatsApp accepts."), permanent=True)
    image = part.content_type.lower() in IMAGE_TYPES and len(part.data) <= IMAGE_MAX
    media_id = upload_media(phone_number_id, token, part)
    media: dict[str, Any] = {"id": media_id}
    if caption:
        media["caption"] = caption[:CAPTION_LIMIT]
    if not image:
        media["filename"] = part.filename
    kind = "image" if image else "document"
    return _send(
        phone_number_id,
        token,
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": kind,
            kind: media,
        },
    )


def download_media(token: str, media_id: str) -> tuple[bytes, str]:
    """A media file a customer sent, and its MIME type."""
    limit = int(settings.MAX_ATTACHMENT_BYTES)
    response = _request("GET", f"{_base()}/{media_id}", token)
    _raise_for(response, _("the media lookup"))
    try:
        info = json.loads(response.body)
    except ValueError as exc:
        raise ApiError(_("WhatsApp gave no media address.")) from exc
    if not isinstance(info, dict) or not info.get("url"):
        raise ApiError(_("WhatsApp gave no media address."), permanent=True)
    size = info.get("file_size")
    if isinstance(size, int) and size > limit:
        raise ApiError(_("The file is larger than the desk accepts."), permanent=True)
    data = _request(
        "GET",
        str(info["url"]),
        token,
        max_bytes=limit,
        timeout=4 * float(settings.MESSENGER_TIMEOUT_SECONDS),
    )
    _raise_for(data, _("the media download"))
    return data.body, str(info.get("mime_type") or "")


@dataclass(frozen=True)
class MediaRef:
    media_id: str
    filename: str


@dataclass(frozen=True)
class Incoming:
    message_id: str
    wa_id: str
    name: str
    text: str
    files: tuple[MediaRef, ...] = field(default=())


@dataclass(frozen=True)
class Status:
    message_id: str
    status: str
    error: str


def _extension(kind: str) -> str:
    return {
        "image": ".jpg",
        "audio": ".ogg",
        "voice": ".ogg",
        "video": ".mp4",
        "sticker": ".webp",
    }.get(kind, "")


def parse(payload: Any, phone_number_id: str) -> tuple[list[Incoming], list[Status]]:
    """The messages and delivery statuses in a webhook body addressed to ``phone_number_id``
    (anything else in it is ignored)."""
    incoming: list[Incoming] = []
    statuses: list[Status] = []
    if not isinstance(payload, dict):
        return incoming, statuses
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            metadata = value.get("metadata") or {}
            if str(metadata.get("phone_number_id", "")) != phone_number_id:
                continue
            names = {
                str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                for c in value.get("contacts") or []
                if isinstance(c, dict)
            }
            for message in value.get("messages") or []:
                parsed = _message(message, names)
                if parsed is not None:
                    incoming.append(parsed)
            for status in value.get("statuses") or []:
                if isinstance(status, dict) and status.get("id"):
                    errors = status.get("errors") or []
                    error = ""
                    if errors and isinstance(errors[0], dict):
                        error = str(errors[0].get("title") or errors[0].get("message") or "")[:300]
                    statuses.append(Status(str(status["id"]), str(status.get("status", "")), error))
    return incoming, statuses


def _message(message: Any, names: dict[str, str]) -> Incoming | None:
    if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
        return None
    kind = str(message.get("type", ""))
    text = ""
    files: list[MediaRef] = []
    if kind == "text":
        text = str((message.get("text") or {}).get("body") or "")
    elif kind in MEDIA_KINDS:
        media = message.get(kind) or {}
        if isinstance(media, dict) and media.get("id"):
            text = str(media.get("caption") or "")
            filename = str(
                media.get("filename") or f"{kind}-{str(media['id'])[-8:]}{_extension(kind)}"
            )
            files.append(MediaRef(str(media["id"]), filename))
    elif kind in ("button", "interactive"):
        text = (
            str((message.get("button") or {}).get("text") or "")
            or json.dumps(message.get(kind))[:500]
        )
    if not text and not files:
        text = _("(a %(kind)s message the desk cannot show)") % {"kind": kind or "?"}
    sender = str(message["from"])
    return Incoming(str(message["id"]), sender, names.get(sender, "")[:150], text, tuple(files))
