"""Text helpers for mail: decoding bytes in whatever charset a mail claims, cleaning strings
for storage, normalising addresses and Message-IDs, and bounded HTML handling (the sanitiser's
cost grows with the square of the nesting, so HTML too large or too deep is stripped linearly).
"""

from __future__ import annotations

import codecs
import html as _html
import re

from loket.lib.html import VOID_ELEMENTS, HtmlTooComplex, html_to_text, sanitise_html

MAX_HTML_DEPTH = 400
MAX_HTML_CHARS = 2_000_000
MAX_TEXT_CHARS = 1_000_000

# Labels that mail programs put on text in another charset than they say, or that Python
# spells differently. Each is tried in order before the generic fallbacks.
CHARSET_ALIASES: dict[str, tuple[str, ...]] = {
    "iso-8859-1": ("cp1252",),
    "latin1": ("cp1252",),
    "us-ascii": ("ascii",),
    "ascii": ("ascii",),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "x-gbk": ("gb18030",),
    "ks_c_5601-1987": ("cp949",),
    "shift_jis": ("cp932",),
    "x-sjis": ("cp932",),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext"),
    "windows-874": ("cp874",),
    "unknown-8bit": (),
    "x-unknown": (),
    "unknown": (),
    "x-user-defined": (),
    "utf8": ("utf-8",),
}

_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^>]*?(/?)>")
_ANY_TAG = re.compile(r"<[^>]*>")


# text helpers


def clean_text(value: str) -> str:
    """A string safe to store anywhere: no surrogates, no NUL or other control characters."""
    if _SURROGATE.search(value):
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "replace")
        value = decode_bytes(raw, "", [])
    return _CONTROL.sub("", value)


def _candidates(charset: str) -> list[str]:
    charset = charset.strip().strip("\"'").lower()
    names: list[str] = []
    if charset:
        names.extend(CHARSET_ALIASES.get(charset, (charset,)))
    names.extend(["utf-8", "cp1252"])
    return names


def decode_bytes(data: bytes, charset: str, defects: list[str]) -> str:
    """Decodes with the declared charset, then UTF-8, then Windows-1252, then Latin-1.

    Never raises: Latin-1 maps every byte. A fallback is recorded as a defect.
    """
    declared = charset.strip().strip("\"'").lower()
    preferred = list(CHARSET_ALIASES.get(declared, (declared,))) if declared else []
    for name in [*preferred, "utf-8", "cp1252"]:
        try:
            codecs.lookup(name)
        except LookupError:
            defects.append(f"unknown charset {declared!r}")
            continue
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, ValueError):
            continue
        if declared and name not in preferred:
            defects.append(f"charset {declared!r} does not fit the text; decoded as {name}")
        return text
    mostly_utf8 = data.decode("utf-8", "replace")
    if mostly_utf8.count("\ufffd") * 20 <= len(mostly_utf8):
        defects.append(
            f"charset {declared or 'unknown'!r} does not fit the text; decoded as utf-8 with "
            "the few bad bytes replaced"
        )
        return mostly_utf8
    defects.append(f"charset {declared or 'unknown'!r} does not fit the text; decoded as latin-1")
    return data.decode("latin-1")


def normalise_address(raw: str) -> str:
    """``Anna@Example.COM`` → ``anna@example.com``; empty when it is not an address."""
    address = clean_text(raw).strip().strip("<>").strip()
    if not address or any(ch.isspace() for ch in address) or address.count("@") != 1:
        return ""
    local, domain = address.split("@")
    if not local or not domain or "." not in domain.strip("."):
        return ""
    try:
        domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        return ""
    return f"{local}@{domain.strip('.')}".lower()


def normalise_name(raw: str, address: str) -> str:
    name = SPACES.sub(" ", clean_text(raw)).strip().strip("\"'").strip()
    if "@" in name and normalise_address(name.strip("<>")) not in ("", address):
        # A display name that is another address is a spoofing trick; drop it.
        return ""
    if normalise_address(name) == address:
        return ""
    return name[:150]


def message_ids(value: str) -> list[str]:
    ids = _MSGID.findall(value)
    if not ids:
        bare = value.strip()
        if bare and not any(ch.isspace() for ch in bare) and "@" in bare:
            ids = [bare.strip("<>")]
    return [clean_text(i) for i in ids if clean_text(i)]


def html_depth(html: str, limit: int) -> int:
    """Nesting depth of HTML, counted up to ``limit`` (linear; stops as soon as it is over)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        name = name.lower()
        if name in VOID_ELEMENTS or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
    return deepest


def strip_tags(html: str) -> str:
    """A linear HTML-to-text for HTML too large or too deep to sanitise."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html)
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>", "\n", text)
    text = _html.unescape(_ANY_TAG.sub("", text))
    return "\n".join(SPACES.sub(" ", line).strip() for line in text.splitlines()).strip()


def sanitise_bounded(markup: str, defects: list[str]) -> tuple[str, str]:
    """(sanitised HTML, its text), or ("", text) for HTML too big or too deep to sanitise."""
    try:
        if len(markup) > MAX_HTML_CHARS:
            raise HtmlTooComplex("too large")
        clean = sanitise_html(markup)  # checks the nesting and the number of tags first
    except HtmlTooComplex:
        defects.append("HTML too large or too deeply nested; kept as text only")
        return "", strip_tags(markup[: MAX_HTML_CHARS * 2])[:MAX_TEXT_CHARS]
    return clean, html_to_text(clean)
