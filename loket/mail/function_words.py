# ruff: noqa: RUF001  (Cyrillic letters are meant)
"""Small words that belong to one of the desk's languages only: a second opinion for lingua's
fast mode, which takes short English for German now and then, and a text's language without
lingua when they leave no doubt (``loket.mail.language``)."""

from __future__ import annotations

import re

_WORDS = {
    "en": "the and you with this that have are it of for our not be will can your please "
    "from there been would could should what when which about just",
    "nl": "het een niet ik wij jullie zijn maar ook met van dat dit wat hoe kunt kun mijn geen "
    "nog wel graag bij naar heb heeft hebben wordt zou alvast bedankt",
    "de": "der das und ist nicht ich wir mit für auf ein eine dass haben können mein bitte "
    "kein noch auch bei nach sind wurde danke",
    "fr": "le la les et est pas vous nous avec pour une que qui dans sur mon mais merci très "
    "ce cette sont été",
    "ru": "и в не на что я вы мы с это как по но у за мой пожалуйста спасибо",
}
_LANGUAGE_OF = {word: lang for lang, words in _WORDS.items() for word in words.split()}
_TOKEN = re.compile(r"[^\W\d_]+")


def votes(text: str) -> dict[str, int]:
    """How many words of each language's own list ``text`` has (its first 4,000 characters)."""
    found: dict[str, int] = {}
    for word in _TOKEN.findall(text[:4000].lower()):
        lang = _LANGUAGE_OF.get(word)
        if lang is not None:
            found[lang] = found.get(lang, 0) + 1
    return found


def clear_winner(text: str) -> str:
    """The language with at least three such words and twice as many as any other, or ""."""
    counted = sorted(votes(text).items(), key=lambda item: -item[1])
    if not counted or counted[0][1] < 3:
        return ""
    if len(counted) > 1 and counted[0][1] < 2 * counted[1][1]:
        return ""
    return counted[0][0]
