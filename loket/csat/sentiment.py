# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Is a survey comment negative? A small word list in Dutch, English and Russian.

A deliberate, explainable heuristic: a comment counts as negative when it holds one of these
words or phrases (whole words, any case). It errs towards follow-up: a false alarm costs an
agent a look, a missed complaint costs a customer.
"""

from __future__ import annotations

import re

NEGATIVE = [
    # English
    "bad", "terrible", "awful", "horrible", "useless", "worst", "disappointed",
    "disappointing", "angry", "rude", "unhelpful", "not helpful", "not solved",
    "still not", "never again", "slow", "waste", "unacceptable", "poor", "annoyed",
    "frustrated", "frustrating", "ridiculous", "complaint",
    # Dutch
    "slecht", "slechte", "waardeloos", "teleurgesteld", "teleurstellend", "boos",
    "onbeleefd", "onvriendelijk", "niet geholpen", "niet opgelost", "nog steeds niet",
    "nooit meer", "traag", "onacceptabel", "belachelijk", "klacht", "ontevreden",
    "gefrustreerd", "frustrerend", "ergerlijk",
    # Russian (the common word forms: matching is on whole words)
    "плохо", "плохой", "плохая", "ужасно", "ужасный", "ужасная", "отвратительно",
    "бесполезно", "бесполезный", "разочарован", "разочарована", "разочарованы", "грубо",
    "грубый", "хамство", "не помогли", "не решили", "не решено", "до сих пор не",
    "больше никогда", "медленно", "долго", "неприемлемо", "возмутительно", "жалоба",
    "недоволен", "недовольна", "недовольны", "безобразие",
]  # fmt: skip

_WORDS = "|".join(re.escape(w) for w in sorted(NEGATIVE, key=len, reverse=True))
_PATTERN = re.compile(r"(?<!\w)(" + _WORDS + r")(?!\w)", re.IGNORECASE)


def is_negative(text: str) -> bool:
    return bool(_PATTERN.search(text or ""))
