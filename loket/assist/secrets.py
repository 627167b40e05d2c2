"""Finding secrets in a message: card numbers, IBANs, passwords and API keys (issue 13 part 5).

Pure and fast: no database, no Django, only regular expressions whose work is linear in the
text, plus checksums (Luhn for cards, mod 97 for IBANs) that keep lookalike numbers (orders,
phones, dates, tracking codes) out. ``find_secrets(text)`` returns the spans, sorted and not
overlapping; ``mask(text)`` replaces them:

* ``card``: every digit but the last four becomes ``•`` (separators stay);
* ``iban``: the country code and the last four characters stay;
* ``password`` and ``api_key``: eight ``•``, whatever the length (the length is a hint too).

``mask(text, keep=False)`` (used by permanent redaction) keeps nothing of any secret.
Only the value is a span: "password: hunter2" keeps "password: " so the reader still sees
what was there.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

CARD = "card"
IBAN = "iban"
PASSWORD = "password"  # noqa: S105 (a kind, not a password)
API_KEY = "api_key"
KINDS = (CARD, IBAN, PASSWORD, API_KEY)

BULLET = "•"
HIDDEN = BULLET * 8

# Longer texts are cut: analysis time stays bounded whatever is pasted in (1 MB mails).
MAX_TEXT = 2_000_000


@dataclass(frozen=True)
class Span:
    """``source[start:end]`` is a secret of ``kind`` (one of ``KINDS``)."""

    kind: str
    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start : self.end]

    def as_dict(self) -> dict[str, str | int]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


# --- cards -------------------------------------------------------------------------------

# 12 to 19 digits, a single space or dash allowed between digits; not inside a longer word or
# number, and not a phone number ("+31 …") or a decimal ("0,4111…").
_CARD = re.compile(r"(?<![\w+.,/-])(?:\d[ -]?){11,18}\d(?![\w]|[.,/-]\d)")
_CARD_GROUPS = {
    (4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 2), (4, 4, 4, 3),
    (4, 4, 4, 1), (4, 4, 4, 4, 1), (4, 4, 4, 4, 2), (4, 4, 5), (4, 4, 4), (6, 13),
}  # fmt: skip
# Issuer prefixes (first digits) with their lengths: Visa, Mastercard, Amex, Diners, Discover,
# JCB, UnionPay, Maestro. A Luhn-valid number outside these is an order or account number.
_ISSUERS: tuple[tuple[tuple[int, int], int, frozenset[int]], ...] = (
    ((4, 4), 1, frozenset({13, 16, 19})),
    ((51, 55), 2, frozenset({16})),
    ((2221, 2720), 4, frozenset({16})),
    ((34, 34), 2, frozenset({15})),
    ((37, 37), 2, frozenset({15})),
    ((300, 305), 3, frozenset({14, 16})),
    ((36, 36), 2, frozenset({14, 16})),
    ((38, 39), 2, frozenset({14, 16})),
    ((6011, 6011), 4, frozenset({16, 19})),
    ((644, 649), 3, frozenset({16, 19})),
    ((65, 65), 2, frozenset({16, 19})),
    ((3528, 3589), 4, frozenset({16, 17, 18, 19})),
    ((62, 62), 2, frozenset({16, 17, 18, 19})),
    ((50, 50), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    ((56, 58), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    ((67, 67), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
)
# Words right before a number that say it is not a card.
_NOT_CARD_BEFORE = re.compile(
    r"(?<!\w)(?:order|bestel|bestell|commande|заказ|invoice|factuur|rechnung|facture|счёт|счет|"
    r"tracking|track|zending|sendung|colis|ticket|case|ref|referen|kenmerk|tel|phone|telefo|"
    r"téléphone|телефон|ean|isbn|imei|serial|serien|klant|kunden|customer)\w*"
    r"[\s.:#°№-]*(?:(?:nr|no|n°|number|nummer|numéro|номер)[\s.:#°№-]*)?$",
    re.IGNORECASE,
)
# The groups of an IBAN before the digits: "SE79 5406 7335 1922 7552 2345" is no card.
_IBAN_BEFORE = re.compile(r"[A-Za-z]{2}\d{2}(?:[ -][A-Za-z0-9]{4})*[ -]$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _issuer_ok(digits: str) -> bool:
    for (low, high), width, lengths in _ISSUERS:
        if len(digits) in lengths and low <= int(digits[:width]) <= high:
            return True
    return False


def _cards(text: str) -> Iterator[Span]:
    for match in _CARD.finditer(text):
        raw = match.group()
        separators = set(re.findall(r"[ -]", raw))
        if len(separators) > 1:
            continue
        if separators:
            groups = tuple(len(g) for g in re.split(r"[ -]", raw))
            if groups not in _CARD_GROUPS:
                continue
        digits = re.sub(r"\D", "", raw)
        if len(set(digits)) == 1 or not _issuer_ok(digits) or not luhn_ok(digits):
            continue
        before = text[max(0, match.start() - 40) : match.start()]
        if _NOT_CARD_BEFORE.search(before) or (separators and _IBAN_BEFORE.search(before)):
            continue
        yield Span(CARD, match.start(), match.end())


# --- IBANs -------------------------------------------------------------------------------

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def _iban_pattern() -> re.Pattern[str]:
    """One expression for every country's exact length: the country, two check digits, then
    exactly the rest of its characters, a single space or dash allowed between them (never
    inside the first four), and no letter or digit right after."""
    by_length: dict[int, list[str]] = {}
    for country, length in _IBAN_LENGTHS.items():
        by_length.setdefault(length - 4, []).append(country)
    branches = [
        f"(?:{'|'.join(countries)})\\d{{2}}(?:[ -]?[A-Za-z0-9]){{{rest}}}"
        for rest, countries in sorted(by_length.items(), reverse=True)
    ]
    return re.compile(
        r"(?<![A-Za-z0-9])(?:" + "|".join(branches) + r")(?![A-Za-z0-9])", re.IGNORECASE
    )


_IBAN = _iban_pattern()
# Where one may start; only there is the long expression tried (it is slow to try everywhere).
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")


def iban_ok(compact: str) -> bool:
    """mod-97 check of an IBAN without separators (ISO 13616)."""
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged.upper())
    return int(number) % 97 == 1


def _ibans(text: str) -> Iterator[Span]:
    pos = 0
    while (start := _IBAN_START.search(text, pos)) is not None:
        match = _IBAN.match(text, start.start())
        if match is None:
            pos = start.end()
            continue
        pos = match.end()
        value = re.sub(r"[ -]", "", match.group())
        if not value[:2].isalpha() or not value[2:4].isdigit():
            continue
        if value[4:].upper() != value[4:] and value[4:].lower() != value[4:]:
            continue  # mixed case in the account part: a word, not an IBAN
        if iban_ok(value):
            yield Span(IBAN, match.start(), match.end())


# --- passwords ---------------------------------------------------------------------------

_PW_WORDS = (
    r"passwords?|passwd|pass(?:word|code)|pwd|pw|pin(?:\s*code)?|"
    r"wachtwoord(?:en)?|paswoord|pincode|ww|"
    r"passwort|kennwort|pin-?nummer|geheimzahl|"
    r"mot\s+de\s+passe|mdp|code\s+secret|"
    r"пароль|пароля|паролем|пин-?код"
)
_PW_CONNECT = (
    r"(?:is|was|are|=|:|ist|war|lautet|lautete|est|était|c'est|это|—|\u2013|-)"
    r"(?:\s+(?:now|nu|jetzt|maintenant|теперь|still|nog\s+steeds|noch|toujours))?"
)
_PW = re.compile(
    r"(?<![\w])(?P<kw>" + _PW_WORDS + r")"
    r"(?P<gap>\s*[:=]\s*|\s+" + _PW_CONNECT + r"\s*:?\s+|\s+)"
    r"(?P<val>\"[^\"\n]{1,64}\"|'[^'\n]{1,64}'|“[^”\n]{1,64}”|«[^»\n]{1,64}»|[^\s\"'“«]{1,64})",
    re.IGNORECASE,
)
# Words that follow "password is …" but are not a password.
_PW_STOP_WORDS = """
    not no wrong incorrect correct invalid expired expiring too the a an same still also
    empty blank reset changed missing required mandatory needed different ok okay fine
    unknown lost forgotten working broken weak strong long short case-sensitive locked
    being set sent in on for of to and or that this it my your our their via by with
    niet geen verkeerd fout onjuist juist correct ongeldig verlopen te het een hetzelfde
    nog ook leeg gewijzigd veranderd vergeten kwijt zwak sterk lang kort geblokkeerd
    vereist nodig anders onbekend aangepast gereset al nu bij voor van naar en of dat dit
    mijn jouw uw je
    nicht kein keine falsch ungültig abgelaufen zu das der die ein eine gleich noch auch
    leer geändert vergessen verloren schwach stark lang kurz gesperrt erforderlich anders
    unbekannt zurückgesetzt schon mein dein ihr für von und oder dass
    pas incorrect invalide expiré faux trop le la les un une même encore aussi vide
    changé oublié perdu faible fort long court bloqué requis obligatoire différent inconnu
    réinitialisé déjà mon ton votre pour de et ou que
    не неверный неправильный истёк истек слишком тот тоже пустой изменён изменен забыт
    забыл потерян слабый сильный длинный короткий заблокирован нужен другой сброшен уже
    мой твой ваш для и или что
    reset-link link e-mail email mail sms see zie siehe voir см stored hashed encrypted
    opgeslagen versleuteld gespeichert verschlüsselt stockés chiffrés хранятся
    """
_PW_STOP = frozenset(_PW_STOP_WORDS.split())
_PW_VALUE_LIKE = re.compile(r"[\d\W_]|[a-zà-ÿа-я][A-ZÀ-ÞА-Я]")


def _passwords(text: str) -> Iterator[Span]:
    for match in _PW.finditer(text):
        value = match.group("val")
        start, end = match.span("val")
        quoted = value[:1] in "\"'“«"
        if quoted:
            inner = value[1:-1]
            lead = len(inner) - len(inner.lstrip())
            value = inner.strip()
            start = start + 1 + lead
            end = start + len(value)
            if not value:
                continue
        else:
            stripped = value.rstrip(".,;:)]}>")
            # "Passwort: abc." ends a sentence; "pa$$w0rd." keeps its own last symbol when
            # the word has other symbols too. "!" and "?" stay: many passwords end in one.
            if stripped != value and not re.search(r"[^\w.,;:)\]}>]", stripped):
                end -= len(value) - len(stripped)
                value = stripped
            if not value or value.lower() in _PW_STOP:
                continue
        if BULLET in value:
            continue  # masked already
        gap = match.group("gap")
        keyword = match.group("kw").lower()
        strong = bool(re.search(r"[:=]", gap)) or quoted
        if not strong:
            connected = gap.strip() != ""
            if not connected and not _PW_VALUE_LIKE.search(value):
                continue  # "password reset", "wachtwoord vergeten"
            if keyword in ("pw", "ww", "pwd", "mdp", "pin", "pin code") and not re.search(
                r"\d", value
            ):
                continue
        numeric_only = keyword.startswith("pin") or keyword in ("geheimzahl", "пин-код")
        if numeric_only and not re.fullmatch(r"\d{4,8}", value):
            continue
        if len(value) < 3 and not re.fullmatch(r"\d{3,}", value):
            continue
        yield Span(PASSWORD, start, end)


# --- API keys and tokens -----------------------------------------------------------------

_KEYS = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:"
    r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"  # Stripe
    r"|whsec_[A-Za-z0-9]{24,}"
    r"|gh[pousr]_[A-Za-z0-9]{36,}"  # GitHub
    r"|github_pat_[A-Za-z0-9_]{40,}"
    r"|glpat-[A-Za-z0-9_\-]{20,}"  # GitLab
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"  # AWS access key id
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}"  # Slack
    r"|xapp-\d-[A-Za-z0-9\-]{10,}"
    r"|AIza[0-9A-Za-z_\-]{35}"  # Google
    r"|ya29\.[0-9A-Za-z_\-]{20,}"
    r"|sk-ant-[A-Za-z0-9_\-]{20,}"  # Anthropic
    r"|sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{20,}"  # OpenAI
    r"|SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"  # SendGrid
    r"|SK[0-9a-f]{32}"  # Twilio
    r"|npm_[A-Za-z0-9]{36}"
    r"|pypi-[A-Za-z0-9_\-]{50,}"
    r"|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"  # Shopify
    r"|key-[0-9a-f]{32}"  # Mailgun
    r"|dop_v1_[a-f0-9]{64}"  # DigitalOcean
    r"|hf_[A-Za-z0-9]{30,}"  # Hugging Face
    r"|xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}"  # Brevo
    r"|EAA[A-Za-z0-9]{60,}"  # Meta
    r"|\d{8,10}:AA[A-Za-z0-9_\-]{33}"  # Telegram bot
    r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"  # JWT
    r")(?![A-Za-z0-9_\-])"
)
_PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
_PEM_END = re.compile(r"-----END (?:[A-Z]+ )?PRIVATE KEY-----")
_PEM_MAX = 10_000
_BEARER = re.compile(r"(?i:\bbearer)\s+(?P<val>[A-Za-z0-9\-._~+/]{16,}=*)")
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s:/@]+:(?P<val>[^\s@/•]{3,})@", re.I)
_SLACK_HOOK = re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")
_GENERIC = re.compile(
    r"(?i:\b(?:api[\s_\-]?key|apikey|api[\s_\-]?token|access[\s_\-]?(?:key|token)|"
    r"secret(?:[\s_\-]?key)?|client[\s_\-]?secret|auth[\s_\-]?token|token|key|sleutel|"
    r"schlüssel|clé|cle|ключ|токен|aws_secret_access_key)\b)"
    r"(?:\s*(?:[:=]|is|was|ist|lautet|est|это|—)\s*|\s+)"
    r"[\"'“«]?(?P<val>[A-Za-z0-9_\-./+=]{16,200})"
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _looks_random(value: str) -> bool:
    value = value.rstrip("=")
    if len(value) < 16 or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", value):
        return False
    if re.fullmatch(r"[\w.+-]+@[\w.-]+", value) or "//" in value:
        return False
    return entropy(value) >= 3.3


def _private_keys(text: str) -> Iterator[Span]:
    """PEM private key blocks; linear: the next END is looked up once, not per BEGIN."""
    pos = 0
    end: re.Match[str] | None = None
    while (begin := _PEM_BEGIN.search(text, pos)) is not None:
        if end is None or end.start() < begin.end():
            end = _PEM_END.search(text, begin.end())
            if end is None:
                return
        if end.start() - begin.end() <= _PEM_MAX:
            yield Span(API_KEY, begin.start(), end.end())
            pos = end.end()
        else:
            pos = begin.end()


def _keys(text: str) -> Iterator[Span]:
    for match in _KEYS.finditer(text):
        yield Span(API_KEY, match.start(), match.end())
    yield from _private_keys(text)
    for match in _SLACK_HOOK.finditer(text):
        yield Span(API_KEY, match.start(), match.end())
    for pattern in (_BEARER, _URL_PASSWORD):
        for match in pattern.finditer(text):
            yield Span(API_KEY, *match.span("val"))
    for match in _GENERIC.finditer(text):
        value = match.group("val").rstrip(".,")
        if _looks_random(value):
            start = match.start("val")
            yield Span(API_KEY, start, start + len(value))


# --- together ----------------------------------------------------------------------------

_FINDERS: tuple[Callable[[str], Iterator[Span]], ...] = (_keys, _cards, _ibans, _passwords)


def find_secrets(text: str) -> list[Span]:
    """The secrets in ``text``: sorted by position, never overlapping (where two finders
    claim the same characters, the earlier and then the longer span wins)."""
    if not text:
        return []
    text = text[:MAX_TEXT]
    found = sorted(
        (span for finder in _FINDERS for span in finder(text)),
        key=lambda s: (s.start, -(s.end - s.start)),
    )
    spans: list[Span] = []
    for span in found:
        if spans and span.start < spans[-1].end:
            continue
        spans.append(span)
    return spans


def replacement(kind: str, secret: str, *, keep: bool = True) -> str:
    """What stands in a masked text for ``secret`` (of ``kind``)."""
    if kind == CARD:
        if not keep:
            return re.sub(r"\d", BULLET, secret)
        last = len(secret)
        seen = 0
        while last > 0 and seen < 4:
            last -= 1
            if secret[last].isdigit():
                seen += 1
        return re.sub(r"\d", BULLET, secret[:last]) + secret[last:]
    if kind == IBAN:
        if not keep:
            return re.sub(r"[A-Za-z0-9]", BULLET, secret)
        last = len(secret)
        seen = 0
        while last > 2 and seen < 4:
            last -= 1
            if secret[last].isalnum():
                seen += 1
        return secret[:2] + re.sub(r"[A-Za-z0-9]", BULLET, secret[2:last]) + secret[last:]
    return HIDDEN


def mask(text: str, *, keep: bool = True, spans: list[Span] | None = None) -> str:
    """``text`` with every secret replaced (see the module's description)."""
    if spans is None:
        spans = find_secrets(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for span in spans:
        parts.append(text[pos : span.start])
        parts.append(replacement(span.kind, text[span.start : span.end], keep=keep))
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)
