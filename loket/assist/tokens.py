# ruff: noqa: RUF001  (Cyrillic letters and typographic apostrophes are meant)
"""Words with their places in the text, and where sentences start: what the register and
draft checks read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Dotted abbreviations first ("a.u.b.", "z.s.m.", "m.u.v."), so their letters are no words;
# then words joined by hyphens or apostrophes ("U-bocht", "peux-tu", "t'aider"); numbers; and
# what ends a sentence (a blank line ends one too).
_TOKEN = re.compile(
    r"(?P<abbr>(?:[^\W\d_]{1,4}\.){2,})"
    r"|(?P<word>[^\W\d_]+(?:[-'’][^\W\d_]+)*)"
    r"|(?P<num>\d+)"
    r"|(?P<end>[.!?…]+|\n[ \t]*\n|[:;]\s*\n)"
)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    kind: str  # "word", "abbr", "num", "end"
    initial: bool  # the first word of a sentence (or of a line)


def tokens(text: str) -> Iterator[Token]:
    initial = True
    last_end = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        if kind != "end" and "\n" in text[last_end : match.start()]:
            initial = True  # a new line starts a new sentence for our purposes
        yield Token(match.group(), match.start(), match.end(), kind, initial and kind == "word")
        last_end = match.end()
        if kind == "end":
            initial = True
        elif kind == "word" or kind == "num":
            initial = False


def words(text: str) -> list[Token]:
    return [t for t in tokens(text) if t.kind == "word"]
