"""Changes to SLA configuration that have consequences for open tickets."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.sla import calendars
from loket.sla.models import BusinessCalendar


@transaction.atomic
def save_calendar(
    calendar: BusinessCalendar, spec: dict[str, Any], *, by: User
) -> BusinessCalendar:
    """Stores new opening hours and schedules the recomputation of every open ticket's due
    times on this calendar (in the same transaction: both happen or neither)."""
    if not by.is_manager:
        raise PermissionDenied(_("Only managers and admins change business calendars."))
    try:
        calendars.from_json(spec)
    except calendars.CalendarError as exc:
        raise ValidationError({"spec": str(exc)}) from None
    changed = calendar.pk is None or calendar.spec != spec
    calendar.spec = spec
    calendar.save()
    if changed:
        from loket.sla.tasks import recompute_calendar

        recompute_calendar.enqueue(calendar.pk)
    return calendar
