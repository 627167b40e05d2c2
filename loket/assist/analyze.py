"""Reads one message: language, register, mood, urgency, questions and secrets.

Pure functions, no database. Only the visible text counts (quoted history and signatures are
left out), and no more than ``text.MAX_CHARS`` of it, so any input takes bounded time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from loket.assist import formality, function_words, questions, text
from loket.assist import mood as moods
from loket.mail.language import detect_scored

#: Text of which less than this share is letters (binary, emoji, numbers) has no language.
MIN_LETTERS = 0.4
#: The confidence given when the small words overrule lingua's fast mode.
FUNCTION_WORDS_CONFIDENCE = 0.75
#: Text with fewer different words than this has no language to tell.
MIN_WORDS = 2
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Text of which less than this share of letters is Latin or Cyrillic has none of our languages.
MIN_SCRIPT = 0.6


def find_secrets(body: str) -> list[dict[str, Any]]:
    """The secrets in ``body`` as ``{"kind", "span"}``, found by ``loket.assist.secrets``
    when that module is there (empty otherwise)."""
    try:
        from loket.assist import secrets  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return []
    finder = getattr(secrets, "find_secrets", None)
    if finder is None:
        return []
    found: list[dict[str, Any]] = []
    for item in finder(body):
        found.append(_secret_dict(item))
    return found


def _secret_dict(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return {"kind": str(item.get("kind", "")), "span": list(item.get("span", [0, 0]))}
    kind = getattr(item, "kind", "")
    start = getattr(item, "start", None)
    end = getattr(item, "end", None)
    if start is None and isinstance(item, tuple | list) and len(item) >= 2:
        return {"kind": str(item[2]) if len(item) > 2 else "", "span": [item[0], item[1]]}
    return {"kind": str(kind), "span": [start or 0, end or 0]}


@dataclass(frozen=True)
class Analysis:
    language: str = ""
    language_confidence: float = 0.0
    register: formality.Register = field(default_factory=formality.Register)
    mood: moods.Reading = field(default_factory=lambda: moods.Reading(moods.NEUTRAL, 0.0))
    urgency: moods.Reading = field(default_factory=lambda: moods.Reading(moods.NONE, 0.0))
    questions: tuple[questions.Question, ...] = ()
    secrets: tuple[dict[str, Any], ...] = ()
    visible: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language or "unknown",
            "language_confidence": round(self.language_confidence, 2),
            "formality": self.register.as_dict(),
            "mood": self.mood.as_dict(),
            "urgency": self.urgency.as_dict(),
            "questions": [q.as_dict() for q in self.questions],
            "secrets": list(self.secrets),
        }


def language_of(shown: str) -> tuple[str, float]:
    if text.letters_share(shown) < MIN_LETTERS or text.desk_script_share(shown) < MIN_SCRIPT:
        return "", 0.0
    if len(set(_WORD.findall(shown[:4000]))) < MIN_WORDS:
        return "", 0.0  # "aaaa…" or one word repeated: no language to tell
    detected, confidence = detect_scored(shown)
    second = function_words.clear_winner(shown)
    if second and second != detected:
        return second, FUNCTION_WORDS_CONFIDENCE
    return detected, confidence


def analyze(body: str, *, language: str = "", strip: bool = True) -> Analysis:
    """``language``: the language to read the register in when the text is too short to
    tell (the customer's known language); ``strip``: leave out quotes and signature."""
    if text.looks_binary(body):
        return Analysis()
    shown = text.visible(body) if strip else text.clean(body[: text.MAX_CHARS])
    if not shown.strip():
        return Analysis(visible=shown)
    detected, confidence = language_of(shown)
    register = formality.register_of(shown, detected or language)
    if language and detected and language != detected and register.value == formality.UNKNOWN:
        # Short text is easily taken for a neighbouring language: read it in the writer's.
        register = formality.register_of(shown, language)
    return Analysis(
        language=detected,
        language_confidence=confidence,
        register=register,
        mood=moods.mood(shown),
        urgency=moods.urgency(shown),
        questions=tuple(questions.questions(shown)),
        secrets=tuple(find_secrets(shown)),
        visible=shown,
    )
