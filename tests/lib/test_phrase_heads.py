# ruff: noqa: RUF001  (letters the pattern engine folds together are meant)
"""The cue-phrase pre-check finds exactly the matches the patterns find on their own."""

from __future__ import annotations

import random
import re

from loket.assist import mood
from loket.lib import phrase_heads


def _plain(text: str, patterns: list[mood._Cue]) -> list[tuple[str, int, int]]:
    return [
        (m.group(), m.start(), m.end())
        for pattern, _w, _h in patterns
        for m in pattern.finditer(text)
    ]


def _checked(text: str, patterns: list[mood._Cue]) -> list[tuple[str, int, int]]:
    words = phrase_heads.Starts(text)
    return [
        (m.group(), m.start(), m.end())
        for pattern, _w, heads in patterns
        for m in words.finditer(pattern, heads, text)
    ]


def _corpus() -> list[str]:
    rng = random.Random(5)
    cues = [
        "unacceptable", "fed up", "rip-off", "ripoff", "a disgrace", "WTF", "still waiting",
        "ik ben het zat", "mir reicht's", "n'importe quoi", "j’attends toujours", "в бешенстве",
        "сколько можно", "a.s.a.p.", "asap", "ASAP!!!", "z.s.m.", "website is down",
        "kan niet meer inloggen", "by end of day", "до завтра", "не работает", "Unverschämt",
        "thank you so much", "super", "superb", "top", "topper",
        "ſcandal", "İnkompetent", "scandalous", "ᲀ бешенстве", "not urgent",
        "niet dringend", "urgently", "urgent_x",
        "x-urgent", "urgent2", "2urgent", "déçue", "DÉÇU", "frustrated", "Frustration",
    ]  # fmt: skip
    filler = "the de het a is no i ik en au j n c в до не as by so per zo met top".split()  # noqa: SIM905
    texts = []
    for _ in range(600):
        words = [
            rng.choice(cues if rng.random() < 0.3 else filler) for _ in range(rng.randint(1, 30))
        ]
        glue = [rng.choice([" ", "  ", ", ", ". ", "\n", "-", "", "'", "!"]) for _ in words]
        text = "".join(w + g for w, g in zip(words, glue, strict=True))
        texts.append(text.upper() if rng.random() < 0.1 else text)
    return texts


def test_the_check_finds_the_same_matches_as_the_patterns() -> None:
    groups = [*mood._MOOD_RE.values(), mood._URGENCY_RE]
    skipped = 0
    for text in _corpus():
        for patterns in groups:
            expected = _plain(text, patterns)
            assert _checked(text, patterns) == expected, text
        skipped += not phrase_heads.Starts(text).exact
    assert skipped == 600  # the pre-check ran on every text


def test_heads_of_a_pattern() -> None:
    assert phrase_heads.heads(r"(?<!\w)(?:fed up|rip[- ]?off|a\.s\.a\.p)(?!\w)") == {
        "fed", "rip", "ripo", "a"
    }  # fmt: skip
    assert phrase_heads.heads(r"(?:still|once again) (?:not|no)", re.IGNORECASE) == {
        "stil", "once"
    }  # fmt: skip
    assert phrase_heads.heads(r"SUPER(?:goed)?", re.IGNORECASE) == {"supe"}
    # A match that may start with no letter, or anywhere: nothing to check.
    assert phrase_heads.heads(r"\w+ing") is None
    assert phrase_heads.heads(r"(?:!|x)") is None
    assert phrase_heads.heads(r"[a-z]+") is None


def test_letters_the_engine_takes_for_one_another() -> None:
    patterns = mood._compile([("scandal", 1.0), ("inkompetent", 1.0), ("вот", 1.0)])
    for text in ("ſcandal!", "İnkompetent", "so ſcandal", "ᲀот", "ВОТ"):
        assert _checked(text, patterns) == _plain(text, patterns) != [], text
    assert mood.mood("This is a ſcandal, unacceptable").value == mood.ANGRY
