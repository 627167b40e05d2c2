"""Mail from files: single .eml files, folders of them, Maildir folders and mbox files.

Each source is read one message at a time, so memory stays flat however big the mailbox is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_MBOX_FROM = re.compile(rb"^From \S*.*\d{4}\s*\r?\n$|^From \S+ ")
_ESCAPED_FROM = re.compile(rb"^>(>*From )")


@dataclass(frozen=True)
class Item:
    origin: str  # file name, or file name and position in an mbox
    raw: bytes


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def is_mbox(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"From "


def _read_file(file: Path) -> Iterator[Item]:
    """A file in a folder: an mbox (by its first bytes, whatever its name) or an .eml;
    opened once."""
    with file.open("rb") as handle:
        start = handle.read(5)
        if start == b"From ":
            handle.seek(0)
            yield from read_mbox(handle, str(file))
        elif file.suffix.lower() == ".eml":
            yield Item(str(file), start + handle.read())


def read_mbox(handle: BinaryIO, origin: str = "mbox") -> Iterator[Item]:
    """Splits an mbox stream on "From " lines (mboxrd and mboxo), un-escaping ">From "."""
    lines: list[bytes] = []
    count = 0
    previous_blank = True
    for line in handle:
        if line.startswith(b"From ") and previous_blank and _MBOX_FROM.match(line):
            if lines:
                count += 1
                yield Item(f"{origin}#{count}", _finish(lines))
            lines = []
            previous_blank = False
            continue
        escaped = _ESCAPED_FROM.match(line)
        lines.append(line[1:] if escaped else line)
        previous_blank = line in (b"\n", b"\r\n")
    if lines:
        count += 1
        yield Item(f"{origin}#{count}", _finish(lines))


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
                yield Item(str(file), file.read_bytes())


def read_path(path: Path) -> Iterator[Item]:
    """Any of the supported kinds, decided by looking at ``path``."""
    if is_maildir(path):
        yield from read_maildir(path)
    elif path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.suffix.lower() in {".eml", ".mbox", ""} and file.is_file():
                yield from _read_file(file)
    elif is_mbox(path):
        with path.open("rb") as handle:
            yield from read_mbox(handle, str(path))
    elif path.is_file():
        yield Item(str(path), path.read_bytes())
    else:
        raise FileNotFoundError(str(path))
