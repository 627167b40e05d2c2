"""The language a customer wrote in, among the languages mail is read in here.

Lingua in low-accuracy mode (fast, small) restricted to a few languages; short or mixed text
gives "" rather than a guess. A text whose small words leave no doubt (``OBVIOUS_WORDS`` of one
language's own, ``OBVIOUS_RATIO`` times as many as of any other, and a fifth of all its words)
is not given to lingua: on
every such text of the labelled fixtures (tests/assist/data, the reply corpus) lingua said the
same language with confidence 1.0, and it costs a third of a millisecond per text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from loket.mail import function_words

LANGUAGES = {"en": "ENGLISH", "nl": "DUTCH", "de": "GERMAN", "fr": "FRENCH", "ru": "RUSSIAN"}
MIN_CHARS = 12
SAMPLE_CHARS = 600
MIN_CONFIDENCE = 0.5
OBVIOUS_WORDS = 5
OBVIOUS_RATIO = 4
OBVIOUS_SHARE = 0.2  # of the words in the sample
OBVIOUS_CONFIDENCE = 1.0  # what lingua says of such texts


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
    obvious = _obvious(sample)
    if obvious:
        return obvious, OBVIOUS_CONFIDENCE
    return _scored(sample)


def _obvious(sample: str) -> str:
    """The language whose own small words leave no doubt about the text, or ""."""
    ranked = sorted(function_words.votes(sample).items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < OBVIOUS_WORDS:
        return ""
    if len(ranked) > 1 and ranked[0][1] < OBVIOUS_RATIO * ranked[1][1]:
        return ""
    if ranked[0][1] < OBVIOUS_SHARE * len(sample.split()):
        return ""  # a few of them in a longer text of another language (a quoted line)
    return ranked[0][0]


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
