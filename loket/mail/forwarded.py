# ruff: noqa: RUF001 - the full-width colon is how Chinese and Japanese mail write it
"""A forwarded mail under a customer's note, read for its section on the ticket page.

The message's text holds the note and the forwarded mail below it (so search, the API and
every other reader see all of it); the mail record keeps on which line of the text the
forwarded part starts (``MailRecord.forwarded_line``). Here that text is cut there again and
the forwarded part read: the separator line ("---------- Forwarded message ---------",
"Begin forwarded message:"), the header lines (From, Date, To, Subject, in any of the languages
``loket.mail.attribution`` knows) and the body. Apple Mail quotes the whole forwarded mail with
``>``; those marks are taken off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loket.mail.attribution import MAX_LINE, header_label, separator

# Header lines are looked for this far into the forwarded part.
_HEAD_LINES = 16

SHOWN = ("from", "date", "to", "subject")  # the header lines the section shows, in this order


@dataclass(frozen=True)
class Forwarded:
    headers: dict[str, str] = field(default_factory=dict)  # kind ("from", "date", …) → value
    body: str = ""

    @property
    def shown(self) -> list[tuple[str, str]]:
        return [(kind, self.headers[kind]) for kind in SHOWN if self.headers.get(kind)]


def split_body(text: str, line: int | None) -> tuple[str, str] | None:
    """``text`` (a message's stored text) cut at ``line`` into the note above and the
    forwarded part; None when the text no longer fits (the forwarded part starts on a line of
    its own below a blank one, or on the first line)."""
    if line is None or line < 0:
        return None
    lines = text.split("\n")
    if line >= len(lines) or not lines[line].strip():
        return None
    if line > 0 and lines[line - 1].strip():
        return None
    return "\n".join(lines[:line]).strip("\n"), "\n".join(lines[line:]).strip("\n")


def _dequoted(lines: list[str]) -> list[str]:
    """The lines without Apple Mail's ``>`` marks, when every non-empty line has one."""
    filled = [line for line in lines if line.strip()]
    if not filled or not all(line.startswith(">") for line in filled):
        return lines
    return [line[2:] if line.startswith("> ") else line[1:] for line in lines]


def _value(line: str) -> str:
    text = line.strip().lstrip("*").strip()
    for mark in (":", "："):
        cut = text.find(mark, 0, 30)
        if cut != -1:
            return text[cut + 1 :].strip().lstrip("*").strip()
    return ""


def read(text: str) -> Forwarded:
    """The header lines and body of a forwarded part (``Forwarded.headers`` empty when it has
    none that can be read: the body is then all of it below the separator)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and separator(lines[i]) is not None:
        i += 1  # "---------- Forwarded message ---------", "-----Original Message-----", "____"
    rest = _dequoted(lines[i:])
    j = 0
    while j < len(rest) and not rest[j].strip():
        j += 1
    headers: dict[str, str] = {}
    end = j
    for at in range(j, min(j + _HEAD_LINES, len(rest))):
        line = rest[at]
        if not line.strip():
            break
        kind = header_label(line) if len(line) <= MAX_LINE else None
        if kind is None:
            if headers and line[:1] in (" ", "\t"):  # a folded header line
                end = at + 1
                continue
            break
        value = _value(line)
        if value and kind not in headers:
            headers[kind] = value
        end = at + 1
    if not headers:
        end = j
    body = "\n".join(rest[end:]).strip("\n")
    return Forwarded(headers=headers, body=body)
