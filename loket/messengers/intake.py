"""From an API's update to a stored message: files fetched first, then ``ingest.receive``.

A file that cannot be fetched (too large, gone) is left out with a line in the message saying
so; a fetch that may work later (timeout, 5xx) raises, so the update is delivered again
(webhook: Telegram and Meta repeat it; polling: the offset is not moved past it).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from loket.messengers import ingest, telegram, whatsapp
from loket.messengers.errors import ApiError
from loket.messengers.models import TelegramBot, WhatsAppNumber
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Message

log = logging.getLogger(__name__)


def _note_missing(text: str, filename: str, reason: str) -> str:
    line = _("[Attachment %(name)s not taken in: %(reason)s]") % {
        "name": filename,
        "reason": reason,
    }
    return f"{text}\n{line}".strip()


def telegram_update(bot: TelegramBot, update: dict[str, Any]) -> Message | None:
    """One Bot API update; ``None`` when it holds nothing for the desk or was stored before."""
    incoming = telegram.parse_update(update)
    if incoming is None:
        return None
    key = str(incoming.update_id)
    if ingest.already_taken(bot, key):
        return None
    text = incoming.text
    files: list[NewAttachment] = []
    for ref in incoming.files:
        try:
            files.append(NewAttachment(ref.filename, telegram.download(bot.token, ref.file_id)))
        except ApiError as exc:
            if not exc.permanent:
                raise
            text = _note_missing(text, ref.filename, str(exc))
    person = ingest.Person(incoming.user_id, incoming.name, incoming.username, incoming.language)
    return ingest.receive(
        bot, external_id=key, chat_id=incoming.chat_id, person=person, text=text, attachments=files
    )


def whatsapp_message(number: WhatsAppNumber, incoming: whatsapp.Incoming) -> Message | None:
    if ingest.already_taken(number, incoming.message_id):
        return None
    text = incoming.text
    files: list[NewAttachment] = []
    for ref in incoming.files:
        try:
            data, _mime = whatsapp.download_media(number.access_token, ref.media_id)
            files.append(NewAttachment(ref.filename, data))
        except ApiError as exc:
            if not exc.permanent:
                raise
            text = _note_missing(text, ref.filename, str(exc))
    person = ingest.Person(incoming.wa_id, incoming.name, f"+{incoming.wa_id}")
    return ingest.receive(
        number,
        external_id=incoming.message_id,
        chat_id=incoming.wa_id,
        person=person,
        text=text,
        attachments=files,
    )
