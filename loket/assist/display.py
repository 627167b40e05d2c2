"""The assistant's events in words, for the ticket timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _

from loket.tickets.models import Event


def describe_event(event: Event) -> str:
    after = event.after if isinstance(event.after, dict) else {}
    codes = ", ".join(str(c) for c in after.get("findings", []))
    return _("sent the reply despite the draft check (%(codes)s)") % {"codes": codes or "—"}
