"""How the ticket timeline tells the secret events (which kinds; never the secret)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loket.tickets import timeline
from loket.tickets.models import Event, EventKind


def _kinds(event: Event) -> str:
    from loket.assist.views_secrets import kind_labels

    after = event.after if isinstance(event.after, dict) else {}
    kinds = after.get("kinds") or []
    return ", ".join(kind_labels([k for k in kinds if isinstance(k, str)]))


def _revealed(event: Event) -> str:
    return _("revealed the hidden %(kinds)s of a message") % {"kinds": _kinds(event)}


def _redacted(event: Event) -> str:
    return _("removed the %(kinds)s of a message for good") % {"kinds": _kinds(event)}


def register() -> None:
    timeline.register_describer(EventKind.SECRET_REVEALED, _revealed)
    timeline.register_describer(EventKind.SECRET_REDACTED, _redacted)
