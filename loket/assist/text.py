"""The visible text of a message: what the writer wrote now, without quoted history or their
signature, cut to a bounded size so analysis time stays bounded on any input."""

from __future__ import annotations

import re
import unicodedata

from loket.mail.quotes import split_reply

#: Analysis looks at no more than this many characters of visible text.
MAX_CHARS = 20_000
#: Quote and signature stripping looks at no more than this many characters.
MAX_SPLIT_CHARS = 100_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` with control and bidi-override characters blanked (offsets are kept)."""
    return _CONTROL.sub(" ", text)


def visible(text: str) -> str:
    """What the writer wrote in this message, bounded to ``MAX_CHARS``."""
    if not text:
        return ""
    text = clean(text[:MAX_SPLIT_CHARS])
    try:
        shown = split_reply(text).visible
    except RecursionError:  # pragma: no cover - defensive: never fail on odd input
        shown = text
    return shown[:MAX_CHARS]


def letters_share(text: str) -> float:
    """The share of letters among the characters that are not spaces (0 for none)."""
    sample = text[:4000]
    shown = [c for c in sample if not c.isspace()]
    if not shown:
        return 0.0
    return sum(1 for c in shown if unicodedata.category(c).startswith("L")) / len(shown)


def looks_binary(text: str) -> bool:
    """Control characters or replacement characters in more than 5% of a sample: not text
    someone wrote (a file pasted or decoded wrongly)."""
    sample = text[:4000]
    if not sample:
        return False
    odd = sum(
        1
        for c in sample
        if c == "\ufffd" or (unicodedata.category(c).startswith("C") and c not in "\n\r\t")
    )
    return odd / len(sample) > 0.05


def desk_script_share(text: str) -> float:
    """The share of letters in the Latin or Cyrillic script (the desk's languages' scripts)."""
    letters = [c for c in text[:4000] if c.isalpha()]
    if not letters:
        return 0.0
    ours = sum(1 for c in letters if ord(c) < 0x250 or 0x400 <= ord(c) < 0x530)
    return ours / len(letters)
