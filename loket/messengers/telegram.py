"""The Telegram Bot API (https://core.telegram.org/bots/api), through ``loket.lib.http``.

Only what the desk needs: ``getUpdates`` (long polling), ``setWebhook``/``deleteWebhook``,
``sendMessage``, ``getFile`` and the file download. The API base is the setting
``TELEGRAM_API_BASE`` (``LOKET_TELEGRAM_API_BASE``), so tests talk to a server on loopback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from loket.lib import http
from loket.messengers import multipart
from loket.messengers.errors import ApiError, RateLimited, permanent_status

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
PHOTO_MAX = 10 * 1024 * 1024  # sendPhoto: "The photo must be at most 10 MB in size"
UPLOAD_MAX = 50 * 1024 * 1024  # "other files ... up to 50 MB"


def _base() -> str:
    return str(settings.TELEGRAM_API_BASE).rstrip("/")


def _max_file() -> int:
    return int(settings.MAX_ATTACHMENT_BYTES)


def _timeout() -> float:
    return float(settings.MESSENGER_TIMEOUT_SECONDS)


def call(
    token: str,
    method: str,
    params: dict[str, Any],
    *,
    timeout: float | None = None,
    upload: tuple[str, multipart.FilePart] | None = None,
) -> Any:
    """One Bot API method; its ``result``, or ``ApiError``/``RateLimited``. The token is part
    of the URL, so it never appears in an error message. ``upload`` (field name, file) sends
    the call as ``multipart/form-data`` with that file."""
    url = f"{_base()}/bot{token}/{method}"
    if upload is None:
        content, content_type = json.dumps(params).encode(), "application/json"
    else:
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        content, content_type = multipart.encode(fields, {upload[0]: upload[1]})
    try:
        response = http.fetch_sync(
            url,
            method="POST",
            headers={"Content-Type": content_type},
            content=content,
            timeout=timeout if timeout is not None else _timeout(),
            max_bytes=4 * 1024 * 1024,
            follow_redirects=False,
        )
    except http.HttpError as exc:
        raise ApiError(_("Telegram could not be reached (%(kind)s).") % {"kind": exc.kind}) from exc
    try:
        answer = json.loads(response.body)
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if response.status_code == 200 and answer.get("ok") is True:
        return answer.get("result")
    description = str(answer.get("description") or response.status_code)[:300]
    status = int(answer.get("error_code") or response.status_code)
    if status == 429:
        parameters = answer.get("parameters") or {}
        retry_after = (
            float(parameters.get("retry_after") or 30) if isinstance(parameters, dict) else 30.0
        )
        raise RateLimited(
            _("Telegram asks to wait %(n)s s: %(why)s")
            % {"n": int(retry_after), "why": description},
            retry_after,
        )
    raise ApiError(
        _("Telegram refused %(method)s: %(why)s") % {"method": method, "why": description},
        permanent=permanent_status(status),
    )


def get_updates(token: str, offset: int, *, wait: int = 25) -> list[dict[str, Any]]:
    result = call(
        token,
        "getUpdates",
        {"offset": offset, "timeout": wait, "allowed_updates": ["message", "edited_message"]},
        timeout=wait + _timeout(),
    )
    return [u for u in result or [] if isinstance(u, dict) and isinstance(u.get("update_id"), int)]


def send_message(token: str, chat_id: str, text: str) -> str:
    """Sends ``text`` (split at the API's limit); the id of the last message sent."""
    sent = ""
    for start in range(0, max(len(text), 1), TEXT_LIMIT):
        result = call(
            token, "sendMessage", {"chat_id": chat_id, "text": text[start : start + TEXT_LIMIT]}
        )
        if isinstance(result, dict):
            sent = str(result.get("message_id", ""))
    return sent


def send_file(token: str, chat_id: str, part: multipart.FilePart, caption: str = "") -> str:
    """Uploads a file to the chat: ``sendPhoto`` for a JPEG, PNG or WebP image within the
    photo limit (shown inline), else ``sendDocument`` (kept as a file, with its name). The
    id of the message sent."""
    if len(part.data) > UPLOAD_MAX:
        raise ApiError(_("The file is larger than Telegram accepts from a bot."), permanent=True)
    photo = part.content_type.lower() in PHOTO_TYPES and len(part.data) <= PHOTO_MAX
    method, field_name = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
    params: dict[str, Any] = {"chat_id": chat_id}
    if caption:
        params["caption"] = caption[:CAPTION_LIMIT]
    result = call(token, method, params, upload=(field_name, part), timeout=4 * _timeout())
    return str(result.get("message_id", "")) if isinstance(result, dict) else ""


def download(token: str, file_id: str) -> bytes:
    """A file a customer sent: ``getFile``, then the download, both size-limited."""
    info = call(token, "getFile", {"file_id": file_id})
    if not isinstance(info, dict) or not info.get("file_path"):
        raise ApiError(_("Telegram gave no file for this attachment."), permanent=True)
    size = info.get("file_size")
    if isinstance(size, int) and size > _max_file():
        raise ApiError(_("The file is larger than the desk accepts."), permanent=True)
    url = f"{_base()}/file/bot{token}/{info['file_path']}"
    try:
        response = http.fetch_sync(
            url, timeout=4 * _timeout(), max_bytes=_max_file(), follow_redirects=False
        )
    except http.TooLarge as exc:
        raise ApiError(_("The file is larger than the desk accepts."), permanent=True) from exc
    except http.HttpError as exc:
        raise ApiError(_("Telegram could not be reached (%(kind)s).") % {"kind": exc.kind}) from exc
    if response.status_code != 200:
        raise ApiError(
            _("Telegram answered %(status)s to a file download.")
            % {"status": response.status_code},
            permanent=permanent_status(response.status_code),
        )
    return response.body


@dataclass(frozen=True)
class FileRef:
    file_id: str
    filename: str
    size: int | None = None


@dataclass(frozen=True)
class Incoming:
    """The part of an update the desk keeps: who wrote in which chat, what, with which files."""

    update_id: int
    chat_id: str
    user_id: str
    name: str
    username: str
    language: str
    text: str
    files: tuple[FileRef, ...] = field(default=())


def parse_update(update: dict[str, Any]) -> Incoming | None:
    """The message in ``update``; ``None`` for what the desk does not take (other update
    kinds, groups and channels, bots)."""
    message = update.get("message") or update.get("edited_message")
    update_id = update.get("update_id")
    if not isinstance(message, dict) or not isinstance(update_id, int):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    if not isinstance(chat, dict) or not isinstance(sender, dict):
        return None
    if chat.get("type") != "private" or sender.get("is_bot") or "id" not in sender:
        return None
    name = " ".join(str(sender.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    text = str(message.get("text") or message.get("caption") or "")
    files: list[FileRef] = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        best = max(photos, key=lambda p: int(p.get("file_size") or 0) if isinstance(p, dict) else 0)
        if isinstance(best, dict) and best.get("file_id"):
            files.append(
                FileRef(str(best["file_id"]), f"photo-{update_id}.jpg", best.get("file_size"))
            )
    for key, default in (
        ("document", "document"),
        ("voice", "voice.ogg"),
        ("audio", "audio"),
        ("video", "video.mp4"),
    ):
        item = message.get(key)
        if isinstance(item, dict) and item.get("file_id"):
            filename = str(item.get("file_name") or default)
            files.append(FileRef(str(item["file_id"]), filename, item.get("file_size")))
    if "edited_message" in update and "message" not in update:
        text = _("(edited) %(text)s") % {"text": text} if text else text
    if not text and not files:
        return None
    return Incoming(
        update_id=update_id,
        chat_id=str(chat.get("id")),
        user_id=str(sender["id"]),
        name=name[:150],
        username=str(sender.get("username") or "")[:100],
        language=str(sender.get("language_code") or "")[:10],
        text=text,
        files=tuple(files),
    )
