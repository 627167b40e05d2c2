"""Reading a mail's headers without ever raising: every problem becomes a defect."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from loket.mail.mailtext import clean_text, normalise_address, normalise_name
from loket.mail.parsed import Address

_FOLD = re.compile(r"\r?\n(?=[ \t])")


def header_values(msg: Message, name: str, defects: list[str]) -> list[str]:
    try:
        values = msg.get_all(name) or []
    except Exception as exc:  # the header factory choked: use the undecoded value
        defects.append(f"header {name} does not parse: {type(exc).__name__}")
        values = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
    result = []
    for value in values:
        try:
            text = str(value)
        except Exception:
            defects.append(f"header {name} does not decode")
            text = ""
        result.append(clean_text(text))
    return result


def header(msg: Message, name: str, defects: list[str]) -> str:
    values = header_values(msg, name, defects)
    return values[0] if values else ""


def raw_header_values(msg: Message, name: str) -> list[str]:
    """The header's values as they came, unfolded, without the structured parse."""
    name = name.lower()
    values = [str(v) for k, v in msg.raw_items() if k.lower() == name]
    return [clean_text(_FOLD.sub("", v)) for v in values]


def decode_words(value: str) -> str:
    """RFC 2047 encoded words (``=?utf-8?q?...?=``) in a display name decoded; linear."""
    if "=?" not in value:
        return value
    try:
        return clean_text(str(make_header(decode_header(value))))
    except Exception:
        return value


def header_addresses(msg: Message, name: str, defects: list[str]) -> list[Address]:
    """The addresses of a header, each once, in linear time.

    Not through the structured header objects of ``email.policy.default``: their parser cuts
    the rest of the header off a copy at every token, which grows with the square of the
    header's length. ``getaddresses`` walks the undecoded value by position instead, and the
    display names are decoded one by one after the addresses are split (so an encoded comma
    in a name cannot split it either).
    """
    values = raw_header_values(msg, name)
    if not values:
        return []
    try:
        pairs = getaddresses(values)
    except Exception:
        defects.append(f"header {name} has no valid addresses")
        return []
    result: dict[str, Address] = {}
    for raw_name, raw_address in pairs:
        address = normalise_address(raw_address)
        if not address:
            if raw_address or raw_name:
                defects.append(f"header {name} has an invalid address")
            continue
        if address not in result:
            result[address] = Address(normalise_name(decode_words(raw_name), address), address)
    return list(result.values())


def header_date(msg: Message, defects: list[str]) -> datetime | None:
    value = header(msg, "date", defects)
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        defects.append("header Date does not parse")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
