"""Words for the survey events in the ticket timeline."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from loket.csat.models import Scale
from loket.tickets.models import Event, EventKind


def _label(scale: str, score: Any) -> str:
    if not isinstance(score, int):
        return "—"
    if scale == Scale.GOOD_BAD:
        return str(_("Good")) if score == 2 else str(_("Bad"))
    return f"{score}/5"


def describe_event(event: Event) -> str:
    data: Any = event.after if isinstance(event.after, dict) else {}
    if event.kind == EventKind.SURVEY_SENT:
        return _("Satisfaction survey sent to the customer")
    if event.kind == EventKind.RATING_HANDLED:
        if event.reason:
            return _("Followed up the rating: %(note)s") % {"note": event.reason}
        return _("Followed up the rating")
    scale = str(data.get("scale", ""))
    if data.get("comment"):
        return _("Customer's comment on the survey: “%(comment)s”") % {"comment": event.reason}
    before: Any = event.before.get("score") if isinstance(event.before, dict) else None
    now = _label(scale, data.get("score"))
    if before is not None:
        return _("Customer changed their rating: %(before)s → %(after)s") % {
            "before": _label(scale, before),
            "after": now,
        }
    return _("Customer rated the service: %(rating)s") % {"rating": now}
