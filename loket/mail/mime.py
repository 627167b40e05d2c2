"""The MIME walk: texts, HTML, attachments and delivery reports out of a parsed message.

Bounded: at most ``MAX_DEPTH`` levels of nesting and ``MAX_PARTS`` parts are looked at; the
rest stays only in the raw mail. Archives are never unpacked.
"""

from __future__ import annotations

import binascii
import io
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import HeaderParser
from typing import Any

from loket.mail.headers import header
from loket.mail.mailtext import SPACES, clean_text, decode_bytes, message_ids, normalise_address
from loket.mail.parsed import DeliveryReport, MailAttachment

MAX_DEPTH = 12
MAX_PARTS = 500


@dataclass
class Walk:
    defects: list[str]
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)
    report: DeliveryReport | None = None
    parts: int = 0


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    """The part's content decoded, its encoded text then dropped from the message (it is
    read once): a big attachment is not held encoded and decoded at the same time."""
    data: object = _base64(part)
    if data is None:
        try:
            data = part.get_payload(decode=True)
        except Exception as exc:
            defects.append(f"part {part.get_content_type()} does not decode: {type(exc).__name__}")
            return b""
    if not part.is_multipart():
        part.set_payload("")
    if isinstance(data, bytes):
        return data
    return b""


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]+")
BASE64_SLICE = 1 << 20


def _base64(part: Message) -> bytes | None:
    """A base64 part decoded a slice at a time into one buffer (``get_payload`` makes three
    whole copies first: bytes, a list of its lines and their join); ``None`` when it is not
    well formed base64, which ``get_payload`` then decodes leniently, noting the defects."""
    if part.is_multipart() or part.get("content-transfer-encoding", "").lower() != "base64":
        return None
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    out = io.BytesIO()
    # Room for all of it at once (base64 makes four characters of three bytes), so the buffer
    # is not copied to a larger one as it fills; cut to size at the end.
    out.seek(len(payload) * 3 // 4)
    out.write(b"\0")
    out.seek(0)
    rest = ""
    try:
        for start in range(0, len(payload), BASE64_SLICE):
            text = rest + _NOT_BASE64.sub("", payload[start : start + BASE64_SLICE])
            whole = len(text) - len(text) % 4
            out.write(binascii.a2b_base64(text[:whole]))
            rest = text[whole:]
        if rest:
            return None
    except (binascii.Error, ValueError):
        return None
    out.truncate()
    return out.getvalue()  # the buffer itself, shrunk to size: no copy


def _part_defects(part: Message, defects: list[str]) -> None:
    for defect in getattr(part, "defects", []) or []:
        defects.append(type(defect).__name__)


def _filename(part: Message, content_type: str, index: int, defects: list[str]) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        defects.append("attachment name does not decode")
        name = ""
    name = clean_text(str(name)).strip()
    if not name:
        ext = mimetypes.guess_extension(content_type) or ".bin"
        name = f"part-{index}{ext}"
    return name


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _content_id(part: Message, defects: list[str]) -> str:
    value = header(part, "content-id", defects)
    ids = message_ids(value) if value else []
    return ids[0] if ids else value.strip().strip("<>")


def _add_attachment(part: Message, walk: Walk, data: bytes, content_type: str) -> None:
    content_id = _content_id(part, walk.defects)
    disposition = _disposition(part)
    walk.attachments.append(
        MailAttachment(
            filename=_filename(part, content_type, len(walk.attachments) + 1, walk.defects),
            content_type=content_type,
            data=data,
            content_id=content_id,
            inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
        )
    )


def _rfc822_bytes(part: Message, defects: list[str]) -> tuple[bytes, Message | None]:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(inner, Message):
        try:
            return inner.as_bytes(policy=policy.SMTP.clone(linesep="\n")), inner
        except Exception:
            defects.append("attached message does not serialise; kept as found")
    try:
        data = part.as_bytes()
    except Exception:
        return b"", None
    _head, _, body = data.partition(b"\n\n")
    return body, inner if isinstance(inner, Message) else None


def _tnef(part: Message, walk: Walk, data: bytes) -> bool:
    """winmail.dat from Outlook: its files and text come out; False when it cannot be read."""
    try:
        from tnefparse.tnef import TNEF  # type: ignore[import-untyped]

        tnef = TNEF(data)
    except Exception:
        walk.defects.append("winmail.dat could not be read; kept as an attachment")
        return False
    for item in getattr(tnef, "attachments", []) or []:
        try:
            name = item.long_filename() or item.name or "attachment"
            payload = bytes(item.data or b"")
        except Exception:
            walk.defects.append("a file in winmail.dat could not be read")
            continue
        if isinstance(name, bytes):
            name = decode_bytes(name, "", walk.defects)
        content_type = mimetypes.guess_type(str(name))[0] or "application/octet-stream"
        walk.attachments.append(MailAttachment(clean_text(str(name)), content_type, payload))
    body = getattr(tnef, "body", None)
    html_body = getattr(tnef, "htmlbody", None)
    if isinstance(body, bytes | str) and body and not walk.texts:
        text = body if isinstance(body, str) else decode_bytes(body, "", walk.defects)
        walk.texts.append(clean_text(text).strip())
    if isinstance(html_body, bytes | str) and html_body and not walk.htmls:
        markup = html_body if isinstance(html_body, str) else decode_bytes(html_body, "", [])
        walk.htmls.append(clean_text(markup))
    return True


def _delivery_status(part: Message, report: DeliveryReport, defects: list[str]) -> None:
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        text = blocks if isinstance(blocks, str) else ""
        blocks = [
            HeaderParser(policy=policy.compat32).parsestr(chunk)
            for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
            if chunk.strip()
        ]
    for block in blocks:
        if not isinstance(block, Message):
            continue
        try:
            items = {k.lower(): clean_text(str(v)) for k, v in block.items()}
        except Exception:
            defects.append("delivery status does not parse")
            continue
        recipient = items.get("final-recipient") or items.get("original-recipient") or ""
        if recipient:
            address = normalise_address(recipient.split(";", 1)[-1])
            if address and address not in report.recipients:
                report.recipients.append(address)
        if items.get("action") and not report.action:
            report.action = items["action"].strip().lower()
        if items.get("status") and not report.status:
            report.status = items["status"].strip().split()[0][:20]
        if items.get("diagnostic-code") and not report.diagnostic:
            report.diagnostic = SPACES.sub(" ", items["diagnostic-code"]).strip()[:500]


def _original_ids(headers: Message | None, report: DeliveryReport) -> None:
    if headers is None:
        return
    try:
        value = str(headers.get("message-id", "") or "")
    except Exception:
        return
    for mid in message_ids(value):
        if mid not in report.original_message_ids:
            report.original_message_ids.append(mid)


def walk_part(part: Message, depth: int, walk: Walk, in_report: bool = False) -> None:
    walk.parts += 1
    if walk.parts > MAX_PARTS:
        if walk.parts == MAX_PARTS + 1:
            walk.defects.append(f"more than {MAX_PARTS} parts; the rest is only in the raw mail")
        return
    if depth > MAX_DEPTH:
        walk.defects.append(f"parts nested deeper than {MAX_DEPTH}; kept only in the raw mail")
        return
    _part_defects(part, walk.defects)
    try:
        content_type = part.get_content_type()
    except Exception:
        content_type = "application/octet-stream"
    maintype = content_type.split("/", 1)[0]
    disposition = _disposition(part)

    if content_type in ("message/rfc822", "message/global"):
        data, inner = _rfc822_bytes(part, walk.defects)
        if in_report:
            walk.report = walk.report or DeliveryReport()
            _original_ids(inner, walk.report)
        subject = ""
        if inner is not None:
            subject = header(inner, "subject", [])
        try:
            name = clean_text(str(part.get_filename() or "")).strip()
        except Exception:
            name = ""
        if not name:
            name = (SPACES.sub(" ", subject).strip()[:100] or "message") + ".eml"
        walk.attachments.append(MailAttachment(name, "message/rfc822", data))
        return
    if content_type == "message/delivery-status":
        walk.report = walk.report or DeliveryReport()
        _delivery_status(part, walk.report, walk.defects)
        return
    if content_type == "text/rfc822-headers" and in_report:
        walk.report = walk.report or DeliveryReport()
        text = decode_bytes(_payload_bytes(part, walk.defects), "utf-8", walk.defects)
        _original_ids(HeaderParser(policy=policy.compat32).parsestr(text), walk.report)
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = payload if isinstance(payload, list) else []
        subtype = content_type.split("/", 1)[1] if "/" in content_type else ""
        report = in_report or subtype == "report"
        if subtype == "alternative":
            _alternative(children, depth, walk)
            return
        for child in children:
            if isinstance(child, Message):
                walk_part(child, depth + 1, walk, report)
        return

    data = _payload_bytes(part, walk.defects)
    has_name = False
    try:
        has_name = bool(part.get_filename())
    except Exception:
        has_name = True
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not has_name:
        try:
            charset = part.get_content_charset() or ""
        except Exception:
            charset = ""
        text = decode_bytes(data, charset, walk.defects)
        text = clean_text(text)
        if content_type == "text/plain":
            walk.texts.append(text)
        else:
            walk.htmls.append(text)
        return
    is_tnef = content_type == "application/ms-tnef" or (
        maintype == "application" and _filename(part, content_type, 0, []).lower() == "winmail.dat"
    )
    if is_tnef and _tnef(part, walk, data):
        return
    _add_attachment(part, walk, data, content_type)


def _alternative(children: list[Any], depth: int, walk: Walk) -> None:
    """Each child says the same thing: keep the last plain text and the last HTML (richest)."""
    best_text: list[str] = []
    best_html: list[str] = []
    for child in children:
        if not isinstance(child, Message):
            continue
        sub = Walk(defects=walk.defects, parts=walk.parts)
        walk_part(child, depth + 1, sub)
        walk.parts = sub.parts
        if sub.texts:
            best_text = sub.texts
        if sub.htmls:
            best_html = sub.htmls
        walk.attachments.extend(sub.attachments)
        walk.report = walk.report or sub.report
    walk.texts.extend(best_text)
    walk.htmls.extend(best_html)
