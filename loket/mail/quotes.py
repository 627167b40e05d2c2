# ruff: noqa: RUF001, RUF003 - Cyrillic letters here are Russian text, on purpose
"""Splits the text of a reply into what is new, the quoted history, and the signature.

What the agent sees first is the new text; the rest stays one click away (the full text and the
raw mail are kept). When in doubt, text is kept visible: hiding a customer's words is worse
than showing a quote twice. Languages: English, Dutch, German, French and Russian, in the
shapes that Gmail, Outlook, Apple Mail, Thunderbird and phone mail apps write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One line (or two joined, since clients wrap long attribution lines) that introduces a quote.
_ATTRIBUTION = [
    # English: "On Mon, 4 Mar 2024 at 10:00, Anna <a@b> wrote:" (Gmail, Apple, Thunderbird)
    r"^On\b.{4,300}\bwrote\s*:\s*$",
    # Dutch: "Op ma 4 mrt 2024 om 10:00 schreef Anna <a@b>:" and Apple's
    # "Op 4 mrt. 2024 om 10:00 heeft Anna <a@b> het volgende geschreven:"
    r"^Op\b.{4,300}\bschreef\b.{0,200}:\s*$",
    r"^Op\b.{4,300}\bhet volgende geschreven\s*:\s*$",
    r"^.{0,200}\bschreef\s+op\b.{4,200}:\s*$",
    # German: "Am Mo., 4. März 2024 um 10:00 Uhr schrieb Anna <a@b>:"
    r"^Am\b.{4,300}\bschrieb\b.{0,200}:\s*$",
    r"^.{1,200}\bschrieb am\b.{4,200}:\s*$",
    # French: "Le lun. 4 mars 2024 à 10:00, Anna <a@b> a écrit :"
    r"^Le\b.{4,300}\ba\s+écrit\s*:\s*$",
    # Russian: "4 марта 2024 г., в 10:00, Анна <a@b> написал(а):" and "пн, 4 мар. …, Анна:"
    r"^.{4,300}\bнаписал(?:а|\(а\))?\s*:\s*$",
    r"^(?:пн|вт|ср|чт|пт|сб|вс),\s.{4,300}<[^>\s]+@[^>\s]+>\s*:\s*$",
    # Generic "<a@b> wrote:" forms
    r"^.{0,200}<[^>\s]+@[^>\s]+>\s+(?:wrote|schreef|schrieb|a écrit|написал)\s*:\s*$",
]
_ATTRIBUTION_RE = [re.compile(p, re.IGNORECASE) for p in _ATTRIBUTION]

# Outlook's separator lines and header blocks, in each language.
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Oorspronkelijk bericht|Origineel bericht|"
    r"Ursprüngliche Nachricht|Originalnachricht|Message d'origine|Message original|"
    r"Исходное сообщение|Пересылаемое сообщение|Forwarded message|Doorgestuurd bericht|"
    r"Weitergeleitete Nachricht|Message transféré)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_FROM = re.compile(r"^\s*\**\s*(?:From|Van|Von|De|От|Afzender)\s*:\s*\**", re.IGNORECASE)
_HEADER_FIELD = re.compile(
    r"^\s*\**\s*(?:Sent|Date|Verzonden|Datum|Gesendet|Envoyé|Отправлено|Дата|To|Aan|An|À|A|"
    r"Кому|Subject|Onderwerp|Betreff|Objet|Тема|Cc|Kopie)\s*:\s*\**",
    re.IGNORECASE,
)
_SUBJECT_FIELD = re.compile(
    r"^\s*\**\s*(?:Subject|Onderwerp|Betreff|Objet|Тема)\s*:\s*\**", re.IGNORECASE
)

_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:"
    r"Sent from my \w[\w\s-]{0,40}|Sent from (?:Outlook|Mail|Yahoo Mail|Gmail)\b.{0,40}|"
    r"Get Outlook for \w+.{0,20}|Sent from Mail for Windows.{0,10}|Sent via \w[\w\s-]{0,30}|"
    r"Verzonden (?:vanaf|met|via) (?:mijn )?\w[\w\s-]{0,40}|"
    r"Verstuurd (?:vanaf|met|via) (?:mijn )?\w[\w\s-]{0,40}|"
    r"Von meinem \w[\w\s-]{0,40} gesendet|Gesendet von (?:meinem )?\w[\w\s-]{0,40}|"
    r"Envoyé de mon \w[\w\s-]{0,40}|Envoyé depuis (?:mon )?\w[\w\s-]{0,40}|"
    r"Отправлено с (?:моего )?\w[\w\s-]{0,40}|Отправлено из \w[\w\s-]{0,40}"
    r")\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Split:
    visible: str
    quoted: str
    signature: str


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_attribution(lines: list[str], index: int) -> int:
    """How many lines the attribution at ``index`` spans (0: none). Wrapped lines count."""
    line = lines[index].strip()
    if not line or len(line) > 400:
        return 0
    if any(p.match(line) for p in _ATTRIBUTION_RE):
        return 1
    if index + 1 < len(lines):
        nxt = lines[index + 1].strip()
        joined = f"{line} {nxt}"
        if nxt and len(joined) <= 400 and any(p.match(joined) for p in _ATTRIBUTION_RE):
            return 2
    return 0


def _is_header_block(lines: list[str], index: int) -> bool:
    """Outlook's "From: … Sent: … To: … Subject: …" block starting at ``index``."""
    if not _FROM.match(lines[index]):
        return False
    fields = 0
    subject = False
    for line in lines[index + 1 : index + 8]:
        if not line.strip():
            continue
        if _HEADER_FIELD.match(line):
            fields += 1
            subject = subject or bool(_SUBJECT_FIELD.match(line))
    return fields >= 2 and subject


def _quote_start(lines: list[str]) -> int | None:
    """The first line of quoted history below new text, or None."""
    for i, line in enumerate(lines):
        if _ORIGINAL_MESSAGE.match(line):
            return i
        if _UNDERSCORES.match(line) and i + 1 < len(lines) and _is_header_block(lines, i + 1):
            return i
        if _is_header_block(lines, i):
            return i
        span = _is_attribution(lines, i)
        if span:
            return i
    return None


def _trailing_quote_start(lines: list[str]) -> int | None:
    """Start of a block of ``>`` lines that runs to the end (blank lines and a signature
    after it allowed), including the attribution line just above it."""
    last_text = len(lines) - 1
    while last_text >= 0 and not lines[last_text].strip():
        last_text -= 1
    if last_text < 0 or not _is_quote(lines[last_text]):
        return None
    start = last_text
    while start > 0 and (_is_quote(lines[start - 1]) or not lines[start - 1].strip()):
        start -= 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    for back in (1, 2):
        if start - back >= 0 and _is_attribution(lines, start - back):
            return start - back
    return start


def _leading_quote_end(lines: list[str]) -> int:
    """Bottom-posting: the line after a block of ``>`` lines at the top (0 when none)."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and _is_attribution(lines, i):
        i += _is_attribution(lines, i)
    if i >= len(lines) or not _is_quote(lines[i]):
        return 0
    while i < len(lines) and (_is_quote(lines[i]) or not lines[i].strip()):
        i += 1
    rest = lines[i:]
    if any(_is_quote(line) for line in rest):
        return 0  # answers between quotes: keep everything, context matters
    return i


def _signature_start(lines: list[str]) -> int | None:
    for i in range(len(lines) - 1, -1, -1):
        if _SIGNATURE_DELIMITER.match(lines[i].rstrip("\r")):
            # "-- " ends the message text; a signature is short.
            if len(lines) - i <= 25:
                return i
            return None
    non_empty = [i for i, line in enumerate(lines) if line.strip()]
    for i in non_empty[-3:]:
        if _MOBILE_FOOTER.match(lines[i]):
            return i
    return None


def _signature_below_quote(quoted: list[str]) -> int | None:
    """Some programs put the writer's own "-- " signature below the quote they answer."""
    for i in range(len(quoted) - 1, 0, -1):
        if _SIGNATURE_DELIMITER.match(quoted[i].rstrip()):
            if len(quoted) - i > 25 or any(_is_quote(line) for line in quoted[i + 1 :]):
                return None
            above = [line for line in quoted[:i] if line.strip()]
            return i if above and _is_quote(above[-1]) else None
    return None


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def split_reply(text: str) -> Split:
    """``visible`` is never empty when ``text`` is not: if everything would be hidden, the
    whole text stays visible."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted: list[str] = []

    start = _quote_start(lines)
    if start is not None and not _join(lines[:start]).strip():
        start = None  # the quote comes first: bottom-posting, handled below
    if start is not None:
        quoted = lines[start:]
        lines = lines[:start]
    else:
        trailing = _trailing_quote_start(lines)
        if trailing is not None:
            quoted = lines[trailing:]
            lines = lines[:trailing]
        else:
            leading = _leading_quote_end(lines)
            if leading:
                quoted = lines[:leading]
                lines = lines[leading:]

    signature: list[str] = []
    moved = _signature_below_quote(quoted)
    if moved is not None:
        signature = quoted[moved + 1 :]
        quoted = quoted[:moved]
    sig = _signature_start(lines) if not signature else None
    if sig is not None:
        signature = lines[sig:]
        lines = lines[:sig]
        if signature and _SIGNATURE_DELIMITER.match(signature[0].rstrip()):
            signature = signature[1:]

    visible = _join(lines)
    if not visible.strip():
        return Split(visible=text.strip(), quoted="", signature="")
    return Split(visible=visible, quoted=_join(quoted), signature=_join(signature))


# HTML: cut at the markers that mail programs put before quoted history. Cutting in the middle
# of markup is fine: the sanitiser (an HTML5 parser) closes what is left open.
_HTML_QUOTE_MARKERS = re.compile(
    r"<div[^>]*class=\"?gmail_quote|<blockquote[^>]*type=\"?cite|<div[^>]*id=\"?divRplyFwdMsg|"
    r"<div[^>]*id=\"?appendonsend|<hr[^>]*id=\"?stopSpelling|<div[^>]*class=\"?moz-cite-prefix|"
    r"<div[^>]*class=\"?yahoo_quoted|<div[^>]*class=\"?protonmail_quote|"
    r"<blockquote[^>]*class=\"?gmail_quote",
    re.IGNORECASE,
)


def strip_html_quote(html: str) -> str | None:
    """The HTML before its quoted history, or None when no known marker is found."""
    match = _HTML_QUOTE_MARKERS.search(html)
    if match is None:
        return None
    return html[: match.start()]
