# ruff: noqa: RUF002, RUF003  (letters the pattern engine folds together are meant)
"""A cheap, exact pre-check for cue-phrase patterns: can this pattern match this text at all?

A cue pattern ``(?<!\\w)(?:phrase|phrase…)(?!\\w)`` (case-insensitive) can only match where a
word of the text begins with one of its phrases' first letters. Those first letters are worked
out once per pattern from the pattern itself (``heads``); a text's word beginnings once per
text (``Starts``). A pattern none of whose heads begins a word of the text cannot match and is
not run: Python's regular expressions try every alternative at every position, so a few dozen
patterns of many phrases each cost far more than this look-up. The check never rules out a
pattern that could match (it answers "maybe" whenever it cannot tell; letters the pattern
engine takes for one another, such as ſ and s, are read as one); the matches themselves always come
from the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

try:  # the pattern engine's own extra case-insensitive equivalences (ſ for s, ı for i, …)
    from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - another Python: no pre-check for non-ASCII text
    _EXTRA_CASES = None
# Letters the engine takes for one another are read as one (the lowest of them), on both
# sides; İ is "i" to the engine, though ``str.lower`` makes two characters of it.
_SAME: dict[int, int] = {code: min(code, *others) for code, others in (_EXTRA_CASES or {}).items()}
_BEFORE_LOWER = {0x130: "i"}

#: Heads are the first letters of a phrase, at most this many.
LENGTH = 4
_MAX_HEADS = 4096
_WORD = re.compile(r"\w+")
_WORDCHAR = re.compile(r"\w")

_Heads = frozenset[tuple[str, bool]]  # (letters, whether the match is exactly these letters)


def heads(pattern: str, flags: int = re.IGNORECASE) -> frozenset[str] | None:
    """The word beginnings (lower case, at most ``LENGTH`` letters) one of which every match of
    ``pattern`` starts with; ``None`` when a match may start otherwise (not with a letter, or
    in a way this reading does not follow)."""
    try:
        parsed = sre.parse(pattern, flags)
        found = _sequence(list(parsed), bool(parsed.state.flags & re.IGNORECASE))
    except (re.error, _Unknown, RecursionError):
        return None
    result = set()
    for letters, _complete in found:
        word = _leading_word(letters)
        if not word:
            return None  # a match may start with no letter: nothing to check
        result.add(word)
    return frozenset(result)


def _leading_word(letters: str) -> str:
    end = 0
    while end < len(letters) and _WORDCHAR.match(letters[end]):
        end += 1
    return letters[:end]


class _Unknown(Exception):
    pass


_STOP: _Heads = frozenset({("", False)})


def _sequence(items: list[tuple[object, Any]], fold: bool) -> _Heads:
    result: set[tuple[str, bool]] = {("", True)}
    for op, arg in items:
        if all(not complete or len(text) >= LENGTH for text, complete in result):
            break
        options = _item(op, arg, fold)
        grown: set[tuple[str, bool]] = set()
        for text, complete in result:
            if not complete or len(text) >= LENGTH:
                grown.add((text[:LENGTH], False))
                continue
            for more, done in options:
                joined = text + more
                grown.add((joined[:LENGTH], done and len(joined) < LENGTH))
        if len(grown) > _MAX_HEADS:
            raise _Unknown
        result = grown
    return frozenset(result)


def _item(op: object, arg: Any, fold: bool) -> _Heads:  # the parser's items are untyped
    if op == sre.LITERAL:
        char = chr(arg)
        return frozenset({(_fold(char) if fold else char, True)})
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return frozenset({("", True)})  # takes no characters
    if op == sre.SUBPATTERN:
        _group, add, remove, sub = arg
        inner = (fold or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
        return _sequence(list(sub), inner)
    if op == sre.BRANCH:
        _none, branches = arg
        return frozenset().union(*(_sequence(list(b), fold) for b in branches))
    if op == sre.IN:
        chars = []
        for kind, value in arg:
            if kind != sre.LITERAL:
                return _STOP  # a class or a range: too many beginnings to list
            chars.append(chr(value))
        return frozenset((_fold(c) if fold else c, True) for c in chars)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = arg
        once = _sequence(list(sub), fold)
        if low == 1 and high == 1:
            return once
        started = frozenset((text, False) for text, _complete in once)
        return started | {("", True)} if low == 0 else started
    return _STOP  # anything else (any character, a category, a back reference): stop there


def _fold(text: str) -> str:
    """``text`` in lower case as the pattern engine compares it, one character for one."""
    if text.isascii():
        return text.lower()
    if _EXTRA_CASES is None:
        raise _Unknown
    return text.translate(_BEFORE_LOWER).lower().translate(_SAME)


class Starts:
    """Where the text's words begin, by their first letters (up to ``LENGTH``, lower case)."""

    __slots__ = ("at", "exact")

    def __init__(self, text: str) -> None:
        at: dict[str, list[int]] = {}
        try:
            folded = _fold(text)  # every offset kept
        except _Unknown:  # pragma: no cover - another Python: every pattern is run whole
            self.exact = True
        else:
            self.exact = False
            places: dict[str, list[int]] = {}
            for word in _WORD.finditer(folded):
                places.setdefault(word.group(), []).append(word.start())
            for letters, starts in places.items():  # each word once, however often it is used
                for end in range(1, min(len(letters), LENGTH) + 1):
                    at.setdefault(letters[:end], []).extend(starts)
        self.at = at

    def finditer(
        self, pattern: re.Pattern[str], beginnings: frozenset[str] | None, text: str
    ) -> Iterator[re.Match[str]]:
        """``pattern.finditer(text)`` for a pattern with these ``heads`` (one that matches no
        empty text): the same matches, but tried only where a word begins with a head."""
        if beginnings is None or self.exact:
            yield from pattern.finditer(text)
            return
        places = sorted({place for head in beginnings & self.at.keys() for place in self.at[head]})
        end = 0
        for place in places:
            if place < end:
                continue
            match = pattern.match(text, place)
            if match is not None:
                end = match.end()
                yield match


@lru_cache(maxsize=8)
def starts(text: str) -> Starts:
    """``Starts`` of ``text``, kept for the few texts read last (mood and urgency read the
    same text one after the other)."""
    return Starts(text)
