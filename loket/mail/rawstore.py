"""Where a received mail's raw bytes go: content-addressed files, written whole or not at all,
and the mail's dedupe key read from its header block without parsing it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from threading import get_ident as threading_ident

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from loket.mail.parse import message_ids


def raw_name(sha256: str) -> str:
    """Where a mail's bytes go: 256 folders, as git keeps its objects (a folder per mail
    pair of hex digits more would mostly hold one file each and cost a directory each).
    Mail stored under an earlier layout keeps its name: records hold the name itself."""
    return f"mail/raw/{sha256[:2]}/{sha256}.eml"


def store_raw(raw: bytes, sha256: str) -> str:
    """Content-addressed, so writing the same mail twice (after a crash) is harmless."""
    return write_raw(raw, sha256)[0]


def write_raw(raw: bytes, sha256: str) -> tuple[str, bool]:
    """``store_raw``, also telling whether the file is new (not there before)."""
    name = raw_name(sha256)
    if isinstance(default_storage, FileSystemStorage):
        return name, _store_file(Path(default_storage.path(name)), raw)
    if default_storage.exists(name):
        return name, False
    return default_storage.save(name, ContentFile(raw)), True


def _store_file(path: Path, raw: bytes) -> bool:
    """On local disk: written under a temporary name and renamed, so a reader (or a crash)
    never sees half a file; a second writer of the same bytes just replaces it."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading_ident()}.tmp")
    temporary.write_bytes(raw)
    os.replace(temporary, path)
    return True


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID_LINE = re.compile(
    rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE
)


def quick_key(raw: bytes, sha256: str) -> str:
    """The dedupe key from the header block alone, to skip known mail without parsing it.

    Only a shortcut: when it differs from what ``parse`` finds, the full check decides.
    """
    end = _HEADER_END.search(raw, 0, 256_000)
    head = raw[: end.start()] if end else raw[:256_000]
    found = _MESSAGE_ID_LINE.search(head)
    if found:
        ids = message_ids(found.group(1).decode("utf-8", "replace"))
        if ids:
            return "mid:" + ids[0][:240]
    return "sha:" + sha256


def _sha(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()
