# ruff: noqa: RUF001  (Cyrillic letters and typographic apostrophes are meant)
"""The customer's distinct questions, so a draft check can tell which were not answered."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_QUESTIONS = 20
MAX_QUESTION_CHARS = 400

# A sentence ends at . ! ? … or a line break.
# A sentence ends at . ! ? … followed by a space or the end (not inside "example.com"), or at
# a line break.
_BOUNDARY = re.compile(r"[.!?…]+(?=\s|$)|\n")


def sentences(text: str) -> list[tuple[int, str]]:
    """The sentences of ``text`` with where each starts (linear time on any input)."""
    found: list[tuple[int, str]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        found.append((start, text[start : match.end()]))
        start = match.end()
    if start < len(text):
        found.append((start, text[start:]))
    return found


# Sentences that ask without a question mark ("Kunt u mij laten weten of ...").
_ASKING = re.compile(
    r"^(?:could|can|would|will|do|does|did|is|are|why|how|what|when|where|which|who|"
    r"please (?:let me know|tell me|advise|explain)|i(?:'d| would) like to know|"
    r"kunt u|kun je|kunnen jullie|wilt u|wil je|willen jullie|waarom|hoe|wat|wanneer|waar|"
    r"welke|wie|graag (?:hoor|zou) ik|laat (?:u|je) (?:mij|me) weten|ik vraag me af|"
    r"können sie|kannst du|könnt ihr|könnten sie|warum|wie|was|wann|wo|welche\w*|wer|"
    r"ich würde gerne wissen|bitte teilen sie mir mit|"
    r"pouvez-vous|peux-tu|pourriez-vous|pourquoi|comment|quand|où|quel\w*|qui|est-ce que|"
    r"merci de me dire|je voudrais savoir|"
    r"можете|можно|почему|как|когда|где|какой|какая|какие|кто|что|подскажите|скажите)\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "will",
        "you",
        "your",
        "i",
        "my",
        "me",
        "we",
        "our",
        "it",
        "this",
        "that",
        "there",
        "what",
        "when",
        "where",
        "why",
        "how",
        "which",
        "who",
        "please",
        "hi",
        "hello",
        "thanks",
        "thank",
        "de",
        "het",
        "een",
        "en",
        "of",
        "maar",
        "als",
        "te",
        "van",
        "in",
        "op",
        "aan",
        "voor",
        "met",
        "is",
        "zijn",
        "was",
        "waren",
        "ben",
        "bent",
        "kan",
        "kunt",
        "kun",
        "kunnen",
        "wil",
        "wilt",
        "zou",
        "u",
        "uw",
        "je",
        "jij",
        "jouw",
        "ik",
        "mijn",
        "mij",
        "me",
        "we",
        "wij",
        "ons",
        "onze",
        "dit",
        "dat",
        "er",
        "wat",
        "wanneer",
        "waar",
        "waarom",
        "hoe",
        "welke",
        "wie",
        "graag",
        "dank",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "und",
        "oder",
        "aber",
        "wenn",
        "zu",
        "von",
        "im",
        "auf",
        "an",
        "für",
        "mit",
        "ist",
        "sind",
        "war",
        "waren",
        "bin",
        "bist",
        "können",
        "kannst",
        "könnten",
        "sie",
        "ihr",
        "ihre",
        "du",
        "dein",
        "ich",
        "mein",
        "mir",
        "mich",
        "wir",
        "uns",
        "unser",
        "es",
        "dies",
        "dass",
        "was",
        "wann",
        "wo",
        "warum",
        "wie",
        "welche",
        "wer",
        "bitte",
        "danke",
        "le",
        "la",
        "les",
        "un",
        "une",
        "et",
        "ou",
        "mais",
        "si",
        "à",
        "de",
        "du",
        "des",
        "en",
        "sur",
        "pour",
        "avec",
        "est",
        "sont",
        "était",
        "être",
        "peux",
        "pouvez",
        "vous",
        "votre",
        "tu",
        "ton",
        "je",
        "mon",
        "moi",
        "nous",
        "notre",
        "ce",
        "cette",
        "que",
        "quoi",
        "quand",
        "où",
        "pourquoi",
        "comment",
        "quel",
        "quelle",
        "qui",
        "merci",
        "и",
        "или",
        "но",
        "если",
        "в",
        "на",
        "для",
        "с",
        "это",
        "что",
        "как",
        "когда",
        "где",
        "почему",
        "кто",
        "вы",
        "ваш",
        "ты",
        "твой",
        "я",
        "мой",
        "мне",
        "мы",
        "наш",
        "он",
        "она",
        "они",
        "можно",
        "можете",
        "пожалуйста",
        "спасибо",
        "ли",
        "не",
    ]
)


@dataclass(frozen=True)
class Question:
    text: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "span": [self.start, self.end]}


def questions(text: str) -> list[Question]:
    found: list[Question] = []
    seen: set[str] = set()
    for offset, piece in sentences(text):
        sentence = piece.strip()
        if not sentence or len(sentence) > MAX_QUESTION_CHARS:
            continue
        body = sentence.lstrip("-*•> \t")
        asks = body.endswith("?") or (bool(_ASKING.match(body)) and len(body.split()) >= 4)
        if not asks or len(re.findall(r"\w+", body)) < 2:
            continue
        key = " ".join(re.findall(r"\w+", body.lower()))
        if key in seen:
            continue
        seen.add(key)
        start = offset + piece.index(body[:1])
        found.append(Question(body, start, start + len(body)))
        if len(found) >= MAX_QUESTIONS:
            break
    return found


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    import snowballstemmer  # type: ignore[import-untyped]

    name = {"nl": "dutch", "de": "german", "fr": "french", "ru": "russian"}.get(language, "english")
    return snowballstemmer.stemmer(name)


def keywords(text: str, language: str = "en") -> set[str]:
    """The stems of the words that carry meaning (no stop words, no short words)."""
    words = {w for w in re.findall(r"[^\W_]+", text.lower()) if len(w) > 2 and w not in _STOP}
    return set(_stemmer(language).stemWords(sorted(words)))
