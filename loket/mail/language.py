"""The language a customer wrote in, among the languages mail is read in here.

Lingua in low-accuracy mode (fast, small) restricted to a few languages; short or mixed text
gives "" rather than a guess.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

LANGUAGES = {"en": "ENGLISH", "nl": "DUTCH", "de": "GERMAN", "fr": "FRENCH", "ru": "RUSSIAN"}
MIN_CHARS = 12
SAMPLE_CHARS = 600
MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in LANGUAGES.values()]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect(text: str) -> str:
    """An ISO 639-1 code, or "" when the text is too short or unclear."""
    return detect_scored(text)[0]


def detect_scored(text: str) -> tuple[str, float]:
    """The language and lingua's confidence in it (0 to 1); ``("", 0.0)`` when the text is
    too short, or ``("", confidence)`` when it is unclear."""
    sample = " ".join(text.split())[:SAMPLE_CHARS]
    if len(sample) < MIN_CHARS:
        return "", 0.0
    return _scored(sample)


# The same text is read twice for a new ticket (its language when it is stored, then by the
# assistant at the end of the batch): kept for a batch's worth of mails.
@lru_cache(maxsize=1024)
def _scored(sample: str) -> tuple[str, float]:
    detector = _detector()
    values = detector.compute_language_confidence_values(sample)
    if not values:
        return "", 0.0
    best = float(values[0].value)
    if best < MIN_CONFIDENCE:
        return "", best
    name = values[0].language.name
    for code, lingua_name in LANGUAGES.items():
        if lingua_name == name:
            return code, best
    return "", best
