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

# Everything outside Latin (up to U+024F) and Cyrillic (U+0400-U+052F).
_OTHER_SCRIPTS = re.compile("[^\u0000-\u024f\u0400-\u052f]+")
_WHITESPACE = re.compile(r"[\n\r\t ]+")
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
    shown = len(sample) - sum(map(str.isspace, sample))
    if not shown:
        return 0.0
    # ``str.isalpha`` is true exactly for the letter categories (Lu, Ll, Lt, Lm, Lo).
    return sum(map(str.isalpha, sample)) / shown


def looks_binary(text: str) -> bool:
    """Control characters or replacement characters in more than 5% of a sample: not text
    someone wrote (a file pasted or decoded wrongly)."""
    sample = text[:4000]
    if not sample:
        return False
    if _WHITESPACE.sub("", sample).isprintable():
        # No character of a "C" category (nor a line or paragraph separator) is printable:
        # only the replacement character can count.
        return sample.count("\ufffd") / len(sample) > 0.05
    odd = sum(
        1
        for c in sample
        if c == "\ufffd" or (unicodedata.category(c).startswith("C") and c not in "\n\r\t")
    )
    return odd / len(sample) > 0.05


def desk_script_share(text: str) -> float:
    """The share of letters in the Latin or Cyrillic script (the desk's languages' scripts)."""
    sample = text[:4000]
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return 0.0
    if sample.isascii():
        return 1.0
    return sum(map(str.isalpha, _OTHER_SCRIPTS.sub("", sample))) / letters
