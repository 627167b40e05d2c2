"""Anonymising a real conversation for practice: who, where and which numbers are replaced.

Replaced: the names of everyone on the ticket (customer, organisation, agents) wherever they
appear, a name after a greeting ("Hoi Sanne", "Dear Mr Jones", "Здравствуйте, Иван") or
alone on the line after a sign-off, e-mail addresses, links, IBANs, phone numbers, postcodes,
street addresses and every number of four digits or more (orders, invoices, customer numbers,
dates, large amounts). Short numbers ("2 banners", "300 euro") stay: the exercise needs them.
The placeholders are in the language of whoever makes the exercise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

NAME = _("[name]")
ORGANISATION = _("[organisation]")
EMAIL = _("[e-mail]")
LINK = _("[link]")
IBAN = _("[IBAN]")
PHONE = _("[phone]")
POSTCODE = _("[postcode]")
ADDRESS = _("[address]")
NUMBER = _("[number]")

# Patterns start only where a run starts and never backtrack into a run (possessive
# quantifiers, bounded repeats): a hostile 100 KB line costs linear time.
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]++@[\w-]++(?:\.[\w-]++)+", re.UNICODE)
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_PHONE = re.compile(r"(?<![\w+(])(?:\+|00|0|\(0)\d[\d ()./-]{6,20}\d(?![\w])")
# Dutch 1234 AB, UK SW1A 1AA, German/Russian/French five or six digits are numbers anyway.
_POSTCODE = re.compile(
    r"\b\d{4}\s?(?!AA\b|SA\b|SD\b|SS\b)[A-Z]{2}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"
)
_STREET_WORDS = (
    r"straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|markt|pad|steeg|"
    r"street|road|avenue|lane|drive|way|"
    r"straße|strasse|gasse|platz|allee|"
    r"rue|avenue|boulevard|chemin|"
    r"улица|ул\.|проспект|пр\.|переулок"
)
_ADDRESS = re.compile(
    rf"(?:\b[^\W\d_]*(?:{_STREET_WORDS})\.?\s+\d+[a-zA-Z]?\b)"
    r"|(?:\b\d+[a-zA-Z]?,?\s+(?:[\w'-]+\s+){0,3}(?:street|road|avenue|lane|drive|way)\b)"
    r"|(?:\b\d+,?\s+(?:rue|avenue|boulevard|chemin|allée|place)\s+(?:(?:de|du|des|la|le)\s+|l')*"
    r"[\w'-]+)"
    rf"|(?:\b(?:{_STREET_WORDS})\s+[\w'-]+,?\s*(?:д\.\s*)?\d+[^\W\d_]?\b)",
    re.IGNORECASE | re.UNICODE,
)
_RUN = re.compile(r"(?<![\w\[#.,/-])[#\w.,/-]++")  # a whole run of word and number characters
_NUMBER = re.compile(r"#?\d(?:[\d.,/-]*\d)?")
_CAPITALISED = r"[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'\u2019-]+"
_GREETING = re.compile(
    r"(?P<greet>\b(?:dear|hi|hello|hey|hallo|hoi|beste|geachte|lieve|dag|"
    r"liebe[r]?|sehr geehrte[r]?|bonjour|cher|chère|здравствуйте|привет|уважаем(?:ый|ая))"
    r"(?:\s+(?:mr\.?|mrs\.?|ms\.?|miss|dr\.?|heer|mevrouw|mevr\.?|dhr\.?|herr|frau|"
    r"monsieur|madame|mme))?[ ,]+)"
    rf"(?P<name>{_CAPITALISED}(?:\s+(?:van|de|der|den|von|le|la)?\s*{_CAPITALISED})?)",
    re.IGNORECASE | re.UNICODE,
)
_SIGN_OFF = re.compile(
    r"(?:^|[.!?]\s+)\s*(?:met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|"
    r"groet(?:en|jes)?|mvg|"
    r"kind regards|best regards|regards|best|thanks|thank you|cheers|sincerely|"
    r"mit freundlichen grüßen|viele grüße|gruß|cordialement|bien à vous|"
    r"с уважением|спасибо|всего доброго)[\s,.!]*$",  # noqa: RUF001 - Russian words
    re.IGNORECASE | re.UNICODE,
)
_SIGNATURE_NAME = re.compile(
    rf"^\s*{_CAPITALISED}(?:\s+(?:van|de|der|den|von)?\s*{_CAPITALISED}){{0,2}}\s*$", re.UNICODE
)


def _phone(match: re.Match[str]) -> str:
    """Phone numbers have nine digits or more; shorter runs are left to ``_NUMBER``."""
    return str(PHONE) if sum(c.isdigit() for c in match.group()) >= 9 else match.group()


def _number(match: re.Match[str]) -> str:
    """A run that is a number of four digits or more (orders, invoices, dates) is replaced;
    amounts and counts stay, and so do numbers glued to letters ("4711b" is a product code)."""
    run = match.group()
    core = run.rstrip(".,/-")
    if _NUMBER.fullmatch(core) and sum(c.isdigit() for c in core) >= 4:
        return str(NUMBER) + run[len(core) :]
    return run


def _known(names: Iterable[str]) -> list[str]:
    """Whole names and their parts (first name, surname), longest first; parts shorter than
    three letters are left alone ("Jo" would hit too much)."""
    found: set[str] = set()
    for name in names:
        name = (name or "").strip()
        if not name or "@" in name:
            continue
        found.add(name)
        found.update(part for part in re.split(r"[\s.]+", name) if len(part) >= 3)
    return sorted(found, key=len, reverse=True)


def _replace_words(text: str, words: list[str], placeholder: str) -> str:
    if not words:
        return text
    pattern = "|".join(re.escape(word) for word in words)  # longest first
    return re.sub(rf"(?<![\w])(?:{pattern})(?![\w])", lambda _m: placeholder, text, flags=re.I)


def _signatures(text: str) -> str:
    lines = text.split("\n")
    for i in range(len(lines) - 1):
        if _SIGN_OFF.search(lines[i]):
            for j in range(i + 1, min(i + 3, len(lines))):
                if not lines[j].strip():
                    continue
                if _SIGNATURE_NAME.match(lines[j]):
                    lines[j] = str(NAME)
                break
    return "\n".join(lines)


def anonymise(text: str, *, people: Iterable[str] = (), organisations: Iterable[str] = ()) -> str:
    """The text with people, places and identifying numbers replaced by placeholders."""
    text = _EMAIL.sub(str(EMAIL), text)
    text = _LINK.sub(str(LINK), text)
    text = _IBAN.sub(str(IBAN), text)
    text = _replace_words(text, _known(organisations), str(ORGANISATION))
    text = _replace_words(text, _known(people), str(NAME))
    text = _GREETING.sub(lambda m: m.group("greet") + str(NAME), text)
    text = _signatures(text)
    text = _ADDRESS.sub(str(ADDRESS), text)
    text = _POSTCODE.sub(str(POSTCODE), text)
    text = _PHONE.sub(_phone, text)
    return _RUN.sub(_number, text)
