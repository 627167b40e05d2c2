# ruff: noqa: RUF001  (Cyrillic letters and typographic apostrophes are meant)
"""The form of address a text uses: Dutch je/jij vs u, German du vs Sie, French tu vs vous,
Russian ты vs вы. Explainable: every decision comes with the words that made it.

Hard cases handled here: the generic Dutch "je" of sayings ("je weet maar nooit") counts for
little; "u" inside words, abbreviations ("a.u.b.") and after a number ("24 u") is no "u";
German "Sie"/"Ihr" at the start of a sentence may be "she"/"they"/"you all" and counts for
little; French "vous" and Russian "вы" said to several people are no sign of formality.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from loket.assist.tokens import Token, words

FORMAL = "formal"
INFORMAL = "informal"
UNKNOWN = "unknown"

#: The languages that have a register, and nothing else is looked at.
LANGUAGES = ("nl", "de", "fr", "ru")

# word (lower case) -> (register, weight)
_NL: dict[str, tuple[str, float]] = {
    "je": (INFORMAL, 0.8), "jij": (INFORMAL, 1.0), "jou": (INFORMAL, 1.0),
    "jouw": (INFORMAL, 1.0), "jullie": (INFORMAL, 0.15), "alsjeblieft": (INFORMAL, 0.8),
    "alsjeblief": (INFORMAL, 0.8), "dankjewel": (INFORMAL, 0.7), "hoi": (INFORMAL, 0.3),
    "groetjes": (INFORMAL, 0.4), "doei": (INFORMAL, 0.4), "joh": (INFORMAL, 0.5),
    "u": (FORMAL, 1.0), "uw": (FORMAL, 1.0), "alstublieft": (FORMAL, 0.8),
    "geachte": (FORMAL, 0.8), "hoogachtend": (FORMAL, 0.6), "dankuwel": (FORMAL, 0.7),
    "gelieve": (FORMAL, 0.5),
}  # fmt: skip
_DE: dict[str, tuple[str, float]] = {
    "du": (INFORMAL, 1.0), "dich": (INFORMAL, 1.0), "dir": (INFORMAL, 1.0),
    "dein": (INFORMAL, 1.0), "deine": (INFORMAL, 1.0), "deinen": (INFORMAL, 1.0),
    "deinem": (INFORMAL, 1.0), "deiner": (INFORMAL, 1.0), "deines": (INFORMAL, 1.0),
    "euch": (INFORMAL, 0.4), "euer": (INFORMAL, 0.4), "eure": (INFORMAL, 0.4),
    "euren": (INFORMAL, 0.4), "eurem": (INFORMAL, 0.4), "hey": (INFORMAL, 0.3),
    **{w: (INFORMAL, 0.6) for w in (
        "kannst", "hast", "weißt", "bist", "willst", "könntest", "würdest", "hättest",
        "sag", "schick", "gib", "schau", "meld", "hilf",
    )},
    "lg": (INFORMAL, 0.3), "geehrte": (FORMAL, 0.8), "geehrter": (FORMAL, 0.8),
    "servus": (INFORMAL, 0.4), "tschüss": (INFORMAL, 0.4),
}  # fmt: skip
# German formal words count only when capitalised (lower case "sie" is she/they).
_DE_FORMAL = {
    "Sie": 1.0, "Ihnen": 1.0, "Ihr": 1.0, "Ihre": 1.0, "Ihren": 1.0, "Ihrem": 1.0,
    "Ihrer": 1.0, "Ihres": 1.0,
}  # fmt: skip
# At the start of a sentence these may be "she", "they", "her" or "you all".
_DE_INITIAL_WEIGHT = {"Sie": 0.3, "Ihnen": 0.6, "Ihr": 0.15, "Ihre": 0.15, "Ihren": 0.2,
                      "Ihrem": 0.2, "Ihrer": 0.15, "Ihres": 0.2}  # fmt: skip
_FR: dict[str, tuple[str, float]] = {
    "tu": (INFORMAL, 1.0), "te": (INFORMAL, 1.0), "toi": (INFORMAL, 1.0),
    "ton": (INFORMAL, 0.7), "ta": (INFORMAL, 0.7), "tes": (INFORMAL, 0.7),
    "salut": (INFORMAL, 0.4), "coucou": (INFORMAL, 0.5), "bises": (INFORMAL, 0.4),
    "vous": (FORMAL, 1.0), "votre": (FORMAL, 1.0), "vos": (FORMAL, 0.8),
    "veuillez": (FORMAL, 0.8), "t'": (INFORMAL, 1.0),
}  # fmt: skip
_RU: dict[str, tuple[str, float]] = {
    **{w: (INFORMAL, 1.0) for w in (
        "ты", "тебя", "тебе", "тобой", "тобою", "твой", "твоя", "твоё", "твое", "твои",
        "твоего", "твоей", "твоему", "твоим", "твоих", "твою", "твоими", "здравствуй",
    )},
    **{w: (FORMAL, 1.0) for w in (
        "вы", "вас", "вам", "вами", "ваш", "ваша", "ваше", "ваши", "вашего", "вашей",
        "вашему", "вашим", "ваших", "вашу", "вашими", "здравствуйте",
    )},
    **{w: (INFORMAL, 0.6) for w in (
        "можешь", "сможешь", "знаешь", "скажи", "напиши", "пришли", "посмотри", "перезвони",
        "подскажи", "проверь", "помоги", "сбросишь", "хочешь",
    )},
    **{w: (FORMAL, 0.6) for w in (
        "можете", "сможете", "знаете", "скажите", "напишите", "пришлите", "посмотрите",
        "перезвоните", "подскажите", "проверьте", "помогите", "сообщите", "хотите",
    )},
    "привет": (INFORMAL, 0.4), "уважаемый": (FORMAL, 0.6), "уважаемая": (FORMAL, 0.6),
    "ребята": (INFORMAL, 0.3),
}  # fmt: skip
_TABLES = {"nl": _NL, "de": _DE, "fr": _FR, "ru": _RU}

# Sayings with a generic "je" (anyone, not the reader).
_NL_GENERIC = re.compile(
    r"\bje\s+(?:weet\s+(?:maar\s+)?nooit|kunt\s+(?:maar\s+)?nooit\s+weten|zou\s+(?:toch\s+)?"
    r"(?:denken|zeggen|verwachten)|moet\s+maar\s+(?:geluk|pech)\s+hebben|ziet\s+het\s+vaker"
    r"|leert\s+nooit\s+uit)"
    r"|\b(?:als|wanneer|zodra|voordat|nadat)\s+je\b",
    re.IGNORECASE,
)
# "vous"/"вы" said to several people ("vous tous", "bonjour à tous"): no sign of formality.
_PLURAL = {
    "fr": re.compile(
        r"\bvous\s+(?:tous|toutes|deux|trois|autres)\b|\b(?:à|a)\s+tous\b|\bchers\s+collègues"
        r"|\btoute\s+l['’]équipe\b|\bà\s+vous\s+tous\b", re.IGNORECASE),
    "ru": re.compile(r"\bвы\s+(?:все|оба|обе|двое)\b|\bвсем\s+привет\b|\bколлеги\b",
                     re.IGNORECASE),
}  # fmt: skip
_PLURAL_WEIGHT = 0.2

#: The share one register needs of all the evidence to be chosen.
DOMINANCE = 0.6
#: Evidence below this total says nothing.
MIN_EVIDENCE = 0.5


@dataclass(frozen=True)
class Cue:
    word: str
    start: int
    end: int
    register: str
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {"word": self.word, "span": [self.start, self.end], "value": self.register,
                "weight": round(self.weight, 2)}  # fmt: skip


@dataclass(frozen=True)
class Register:
    value: str = UNKNOWN
    confidence: float = 0.0
    cues: tuple[Cue, ...] = field(default=())

    def deciding(self) -> list[str]:
        """The words that decided it (those of the chosen register), each once."""
        seen: list[str] = []
        for cue in self.cues:
            if cue.register == self.value and cue.word.lower() not in seen:
                seen.append(cue.word.lower())
        return seen

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(self.confidence, 2),
                "cues": self.deciding(), "spans": [c.as_dict() for c in self.cues]}  # fmt: skip


def _in_spans(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _parts(token: Token, language: str) -> list[tuple[str, int, int, bool]]:
    """The words to look up: French "peux-tu" and "t'aider" count by their pronoun part."""
    text = token.text
    if language == "fr" and ("-" in text or "'" in text or "’" in text):
        found = []
        for match in re.finditer(r"[^-'’]+", text):
            part = match.group()
            found.append((part, token.start + match.start(), token.start + match.end(), False))
        # "t'" (elided "te") is its own cue.
        if re.match(r"t['’]", text, re.IGNORECASE):
            found.append(("t'", token.start, token.start + 2, False))
        return found
    return [(text, token.start, token.end, token.initial)]


def cues(text: str, language: str) -> list[Cue]:
    table = _TABLES.get(language)
    if table is None:
        return []
    generic = [(m.start(), m.end()) for m in _NL_GENERIC.finditer(text)] if language == "nl" else []
    plural = _PLURAL.get(language)
    is_plural = bool(plural and plural.search(text))
    found: list[Cue] = []
    for token in words(text):
        for word, start, end, initial in _parts(token, language):
            lower = word.lower()
            if language == "de" and word in _DE_FORMAL:
                weight = _DE_INITIAL_WEIGHT[word] if initial else _DE_FORMAL[word]
                found.append(Cue(word, start, end, FORMAL, weight))
                continue
            entry = table.get(lower)
            if entry is None:
                continue
            register, weight = entry
            if language == "nl" and lower == "je" and _in_spans(start, generic):
                weight = 0.15
            if language == "ru" and word[0].isupper() and register == FORMAL and not initial:
                weight = 1.3  # a capital "Вы" mid-sentence is the polite form
            if is_plural and (
                lower in ("vous", "votre", "vos", "вы", "вас", "вам", "вами", "привет", "salut")
                or (language == "ru" and weight == 0.6)
            ):
                weight = min(weight, _PLURAL_WEIGHT)
            found.append(Cue(word, start, end, register, weight))
    return found


def _numbers_before(text: str) -> list[tuple[int, int]]:
    """ "24 u", "9.00 u": hours, not the pronoun."""
    return [(m.start(1), m.end(1)) for m in re.finditer(r"\d\s*(u)\b", text)]


def register_of(text: str, language: str) -> Register:
    """The register of ``text`` written in ``language`` (a language without one: unknown)."""
    found = cues(text, language)
    hours = _numbers_before(text)
    found = [c for c in found if not (c.word.lower() == "u" and _in_spans(c.start, hours))]
    formal = sum(c.weight for c in found if c.register == FORMAL)
    informal = sum(c.weight for c in found if c.register == INFORMAL)
    total = formal + informal
    if total < MIN_EVIDENCE:
        return Register(UNKNOWN, 0.0, tuple(found))
    value = FORMAL if formal >= informal else INFORMAL
    dominance = max(formal, informal) / total
    if dominance < DOMINANCE:
        return Register(UNKNOWN, round(1 - dominance, 2), tuple(found))
    confidence = dominance * (1 - math.exp(-total / 1.2))
    return Register(value, min(confidence, 0.99), tuple(found))
