"""The assistant on the ticket page. ``{% load assist %}``, then ``{% assist_panel ticket %}``
(badges for the customer's language, register, mood and urgency, with the words that decided
them) and ``{% assist_draft ticket %}`` inside the reply form (the live draft check)."""

from __future__ import annotations

from typing import Any

from django import template

from loket.assist.draft import LANGUAGE_NAMES
from loket.assist.service import reading_for
from loket.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("assist/panel.html", takes_context=True)
def assist_panel(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    reading = reading_for(ticket)
    latest = reading.latest
    data = latest.data if latest is not None else {}
    return {
        "ticket": ticket,
        "reading": reading,
        "language_name": str(LANGUAGE_NAMES.get(reading.language, reading.language)),
        "suggested_name": str(LANGUAGE_NAMES.get(reading.suggested_language, "")),
        "latest": latest,
        "register_cues": data.get("formality", {}).get("cues", [])[:5],
        "mood_cues": data.get("mood", {}).get("cues", [])[:5],
        "urgency_cues": data.get("urgency", {}).get("cues", [])[:5],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("assist/draft.html")
def assist_draft(ticket: Ticket) -> dict[str, Any]:
    return {"ticket": ticket}
