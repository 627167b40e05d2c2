"""Mail from files: single mail files, folders of them, Maildir folders and mbox files.

Each source is read one message at a time, so memory stays flat however big the mailbox is.
A folder's every regular file is read, whatever its name: an mbox (by its first bytes) or a
single mail (when it starts with a header block); any other file comes out as an ``Item``
with its ``problem`` said, so that the importer can report it. ``in_date_order`` puts the
mail of a source oldest first (by Date header, then by position) in two passes: it keeps
only each message's date and place, and reads the messages again in that order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

_MBOX_FROM = re.compile(rb"^From \S*.*\d{4}\s*\r?\n$|^From \S+ ")
_ESCAPED_FROM = re.compile(rb"^>(>*From )")


@dataclass(frozen=True)
class Item:
    origin: str  # file name, or file name and position in an mbox
    raw: bytes
    path: str = ""  # the file it is in; in an mbox, at bytes start to end (-1: the file's end)
    start: int = 0
    end: int = -1
    problem: str = ""  # set when the file is not a mail (``raw`` is then empty)


# A mail starts with a header line ("Name: value"); a few bytes of the start are looked at.
_FIRST_HEADER = re.compile(rb"^(?:\xef\xbb\xbf)?[!-9;-~]+[ \t]*:")
_MAIL_HEADERS = re.compile(
    rb"^(?:from|to|subject|date|message-id|received|return-path|delivered-to|mime-version|"
    rb"content-type|x-[!-9;-~]*)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
SNIFF_BYTES = 8192


def not_mail_reason(start: bytes) -> str:
    """Why a file starting with ``start`` is not a mail; empty when it looks like one."""
    blank = _BODY.search(start)
    head = start[: blank.start()] if blank else start
    if _FIRST_HEADER.match(head) and _MAIL_HEADERS.search(head):
        return ""  # a mail may carry raw binary bytes in its body: it is still a mail
    if not start.strip():
        return "empty file"
    if b"\0" in start:
        return "binary file"
    return "no mail headers at its start"


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _read_file(file: Path) -> Iterator[Item]:
    """A file: an mbox (by its first bytes, whatever its name), a mail, or not a mail;
    opened once."""
    with file.open("rb") as handle:
        start = handle.read(SNIFF_BYTES)
        if start.startswith(b"From "):
            handle.seek(0)
            yield from read_mbox(handle, str(file))
            return
        problem = not_mail_reason(start)
        if problem:
            yield Item(str(file), b"", str(file), problem=problem)
        else:
            yield Item(str(file), start + handle.read(), str(file))


def read_mbox(handle: BinaryIO, origin: str = "mbox") -> Iterator[Item]:
    """Splits an mbox stream on "From " lines (mboxrd and mboxo), un-escaping ">From "."""
    lines: list[bytes] = []
    count = 0
    previous_blank = True
    position = start = 0
    for line in handle:
        if line.startswith(b"From ") and previous_blank and _MBOX_FROM.match(line):
            if lines:
                count += 1
                yield Item(f"{origin}#{count}", _finish(lines), origin, start, position)
            lines = []
            previous_blank = False
            position += len(line)
            start = position
            continue
        position += len(line)
        escaped = _ESCAPED_FROM.match(line)
        lines.append(line[1:] if escaped else line)
        previous_blank = line in (b"\n", b"\r\n")
    if lines:
        count += 1
        yield Item(f"{origin}#{count}", _finish(lines), origin, start, position)


def _finish(lines: list[bytes]) -> bytes:
    # mbox adds one blank line between messages; it is not part of the message.
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)


def read_maildir(path: Path) -> Iterator[Item]:
    for sub in ("new", "cur"):
        folder = path / sub
        for name in sorted(os.listdir(folder)):
            file = folder / name
            if file.is_file() and not name.startswith("."):
                yield from _read_file(file)


def read_path(path: Path) -> Iterator[Item]:
    """Any of the supported kinds, decided by looking at ``path``: every regular file in a
    folder (and its subfolders), in name order."""
    if is_maildir(path):
        yield from read_maildir(path)
    elif path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file():
                yield from _read_file(file)
    elif path.is_file():
        yield from _read_file(path)
    else:
        raise FileNotFoundError(str(path))


def reread(item: Item) -> Item:
    """The same message read from its file again (``in_date_order``'s second pass)."""
    with open(item.path, "rb") as handle:
        handle.seek(item.start)
        data = handle.read() if item.end < 0 else handle.read(item.end - item.start)
    if item.end < 0:
        return Item(item.origin, data, item.path, item.start, item.end)
    lines = [
        line[1:] if _ESCAPED_FROM.match(line) else line for line in data.splitlines(keepends=True)
    ]
    return Item(item.origin, _finish(lines), item.path, item.start, item.end)


_DATE = re.compile(rb"^Date[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_BODY = re.compile(rb"\r?\n\r?\n")
_UNDATED = datetime.max.replace(tzinfo=UTC)


def mail_date(raw: bytes) -> datetime:
    """The Date header of a raw mail (read from its header block only); far in the future
    when it has none or it does not parse, so that undated mail comes last."""
    body = _BODY.search(raw, 0, 1 << 20)
    found = _DATE.search(raw, 0, body.start() if body else min(len(raw), 1 << 20))
    if found is None:
        return _UNDATED
    try:
        value = parsedate_to_datetime(found.group(1).decode("latin-1").strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return _UNDATED
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def in_date_order(items: Iterable[Item]) -> Iterator[Item]:
    """``items`` oldest first, by Date header and then in the order given. Files that are not
    mail come first (they are only reported). Holds each message's date and place, not the
    message: the messages are read again from their files."""
    index: list[tuple[datetime, int, Item]] = []
    for seq, item in enumerate(items):
        if item.problem:
            yield item
            continue
        index.append(
            (mail_date(item.raw), seq, Item(item.origin, b"", item.path, item.start, item.end))
        )
    index.sort(key=lambda entry: (entry[0], entry[1]))
    for _date, _seq, place in index:
        yield reread(place)
