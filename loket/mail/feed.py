"""The stdlib's mail parser, fed so that a big mail costs about two copies of itself.

``BytesParser.parsebytes`` hands the parser a ``StringIO`` of the whole mail, which holds
four bytes a character (a 60 MB mail took 360 MB more); here the parser is fed 64 KB
slices instead. And the parser keeps every line of a part as a string of its own until the
part ends (a 76-character base64 line costs 125 bytes that way); runs of base64 lines are
handed to it joined, as one "line" per slice. That changes nothing it builds: such lines
contain no ``:`` (so they are never headers), never start with ``--`` (so never a
boundary), and a part's payload is the join of its lines either way.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from contextlib import suppress
from email import feedparser
from email.message import Message
from email.policy import Policy
from typing import Any

FEED_BYTES = 1 << 16
BIG_MAIL = 1 << 20
MMAP_THRESHOLD = 128 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_threshold_fixed = False


def _fix_mmap_threshold() -> None:
    """Keeps glibc giving buffers over 128 KB their own mapping, returned to the system when
    freed. By default glibc raises that threshold (up to 32 MB) each time such a buffer is
    freed, after which the next big ones come from the heap and its freed space is kept:
    that added about 60 MB to the peak of importing a 57 MB mail. Elsewhere than on glibc
    this does nothing."""
    global _threshold_fixed
    if _threshold_fixed:
        return
    _threshold_fixed = True
    with suppress(Exception):
        libc = ctypes.CDLL(None)
        libc.mallopt(ctypes.c_int(_M_MMAP_THRESHOLD), ctypes.c_int(MMAP_THRESHOLD))


_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}\r?\n")


class _JoiningInput(feedparser.BufferedSubFile):  # type: ignore[misc,name-defined]
    """The parser's line buffer, with runs of base64 lines joined, and a closing delimiter
    followed by junk (``--b-- junk``) read as the closing delimiter RFC 2046 means it to be
    (the stdlib takes such a line for text, and the rest of the mail, epilogue included,
    then becomes part of the last part's text)."""

    def readline(self) -> Any:
        lines = self._lines
        if lines and self._eofstack:
            line = lines[0]
            if line.startswith("--") and not any(ateof(line) for ateof in self._eofstack):
                closing = _closing_delimiter(line, self._eofstack)
                if closing is not None:
                    lines[0] = closing
        return super().readline()

    def pushlines(self, lines: list[str]) -> None:
        joined: list[str] = []
        run: list[str] = []
        for line in lines:
            if _BASE64_LINE.fullmatch(line):
                run.append(line)
                continue
            if run:
                joined.append("".join(run))
                run = []
            joined.append(line)
        if run:
            joined.append("".join(run))
        super().pushlines(joined)


def _closing_delimiter(line: str, matchers: list[Callable[[str], Any]]) -> str | None:
    """``line`` cut to the closing delimiter it starts with (keeping its line end), when it
    starts with one of the open multiparts' boundaries followed by ``--`` and junk."""
    if len(line) > MAX_DELIMITER_LINE:
        return None
    end = "\r\n" if line.endswith("\r\n") else "\n"
    at = line.find("--", 2)
    while at != -1:
        candidate = line[: at + 2] + end
        if any(ateof(candidate) for ateof in matchers):
            return candidate
        at = line.find("--", at + 1)
    return None


MAX_DELIMITER_LINE = 2000


def message_from_bytes(raw: bytes, policy: Policy) -> Message:
    """``BytesParser(policy=policy).parsebytes(raw)``, in about a third of the memory."""
    if len(raw) > BIG_MAIL:
        _fix_mmap_threshold()
    feeder = feedparser.BytesFeedParser(policy=policy)
    feeder._input = _JoiningInput()  # type: ignore[attr-defined]  # read lazily: before any feed
    view = memoryview(raw)
    for start in range(0, len(raw), FEED_BYTES):
        feeder.feed(bytes(view[start : start + FEED_BYTES]))
    message: Message = feeder.close()
    return message
