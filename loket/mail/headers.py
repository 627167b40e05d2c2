"""Reading a mail's headers without ever raising: every problem becomes a defect."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from loket.mail.mailtext import clean_text, normalise_address, normalise_name
from loket.mail.parsed import Address


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


def header_addresses(msg: Message, name: str, defects: list[str]) -> list[Address]:
    values = header_values(msg, name, defects)
    if not values:
        return []
    result: list[Address] = []
    try:
        pairs = getaddresses(values)
    except Exception:
        defects.append(f"header {name} has no valid addresses")
        return []
    for raw_name, raw_address in pairs:
        address = normalise_address(raw_address)
        if not address:
            if raw_address or raw_name:
                defects.append(f"header {name} has an invalid address")
            continue
        if any(a.address == address for a in result):
            continue
        result.append(Address(normalise_name(raw_name, address), address))
    return result


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
