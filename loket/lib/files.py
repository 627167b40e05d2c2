"""Checks on files that come from outside: size, a safe display name, the type by content."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Only these are ever shown inline, and only when the bytes agree with the type.
SAFE_INLINE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


class AttachmentRejected(ValueError):
    """An upload that Loket will not store, with the reason for the person who sent it."""


def check_size(size: int) -> None:
    limit = settings.MAX_ATTACHMENT_BYTES
    if size > limit:
        raise AttachmentRejected(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def display_name(raw: str) -> str:
    """A harmless name to show and to offer on download; never used on disk."""
    name = unicodedata.normalize("NFC", raw or "")
    name = _INVISIBLE.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return name[:200] or "attachment"


def sniff_type(head: bytes) -> str:
    for content_type, signatures in SAFE_INLINE_SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            return content_type
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return "application/octet-stream"


def read_checked(upload: UploadedFile[bytes]) -> tuple[bytes, str, str]:
    """Returns the bytes, their detected type and SHA-256, or raises AttachmentRejected."""
    check_size(upload.size or 0)
    data = b"".join(upload.chunks())
    check_size(len(data))
    return data, sniff_type(data[:16]), hashlib.sha256(data).hexdigest()
