"""What an agent sees of the SLA clocks: due times, business time left, warnings, breaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.sla import calendars, clocks
from loket.sla.calendars import MINUTE_US, Calendar
from loket.sla.models import ClockKind, ClockStatus, TicketSla
from loket.tickets.models import Event, EventKind

LABELS = {
    ClockKind.FIRST_RESPONSE: gettext_lazy("First reply"),
    ClockKind.NEXT_RESPONSE: gettext_lazy("Next reply"),
    ClockKind.RESOLUTION: gettext_lazy("Resolution"),
}

# The steps of loket.sla.alarms.CHAIN, in words.
ALARM_STEPS = {
    "assignee": gettext_lazy("assignee"),
    "team": gettext_lazy("team"),
    "on_call": gettext_lazy("on call"),
    "manager": gettext_lazy("manager"),
}


def format_span(us: int) -> str:
    """Business time as a person reads it: "45 min", "3 h 05 min", "26 h"."""
    minutes = max(0, round(us / MINUTE_US))
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, rest = divmod(minutes, 60)
    if hours >= 24 or rest == 0:
        return _("%(h)d h") % {"h": hours}
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": rest}


@dataclass(frozen=True)
class ClockView:
    kind: ClockKind
    label: str
    status: str  # running, paused, met, stopped
    due_at: datetime | None
    left_us: int | None  # business time left; negative when overdue
    warned: bool
    breached: bool

    @property
    def level(self) -> str:
        """``ok``, ``warn`` or ``alarm``: how loudly to show it."""
        if self.breached or (self.left_us is not None and self.left_us <= 0):
            return "alarm"
        return "warn" if self.warned else "ok"

    @property
    def text(self) -> str:
        if self.status == ClockStatus.MET:
            if self.breached:
                return _("%(clock)s: met late") % {"clock": self.label}
            return _("%(clock)s: met") % {"clock": self.label}
        if self.status == ClockStatus.STOPPED:
            return _("%(clock)s: stopped") % {"clock": self.label}
        if self.left_us is None:
            return _("%(clock)s: no target") % {"clock": self.label}
        if self.status == "paused":
            return _("%(clock)s: paused, %(left)s left") % {
                "clock": self.label,
                "left": format_span(self.left_us),
            }
        if self.left_us <= 0:
            return _("%(clock)s: %(over)s overdue") % {
                "clock": self.label,
                "over": format_span(-self.left_us),
            }
        return _("%(clock)s: %(left)s left") % {
            "clock": self.label,
            "left": format_span(self.left_us),
        }

    @property
    def due_text(self) -> str:
        if self.due_at is None:
            return ""
        local = timezone.localtime(self.due_at)
        return _("due %(when)s") % {"when": formats.date_format(local, "D j M H:i")}


def _calendar(sla: TicketSla) -> Calendar | None:
    if sla.policy is None:
        return None
    return sla.policy.calendar.calendar()


def views(sla: TicketSla, now: datetime | None = None) -> list[ClockView]:
    """Every clock that has run on the ticket, in the order first reply, next, resolution."""
    now = now or timezone.now()
    cal = _calendar(sla)
    out: list[ClockView] = []
    for kind in TicketSla.KINDS:
        clock = clocks.get(sla, kind)
        if clock.status == ClockStatus.NONE:
            continue
        status = clock.status
        left: int | None = None
        if clock.running and cal is not None and clock.target_s is not None:
            if sla.paused_since is not None:
                status = "paused"
                left = clocks.remaining_us(sla, clock, cal, now)
            elif clock.due_at is not None:
                left = cal.between_us(calendars.to_us(now), calendars.to_us(clock.due_at))
        out.append(
            ClockView(
                kind=kind,
                label=str(LABELS[kind]),
                status=status,
                due_at=clock.due_at if clock.running else None,
                left_us=left,
                warned=clock.warned or (clock.warn_at is not None and now >= clock.warn_at),
                breached=clock.breached_at is not None,
            )
        )
    return out


def most_urgent(sla: TicketSla, now: datetime | None = None) -> ClockView | None:
    """The running clock with the least time left (paused ones included), if any."""
    running = [
        v for v in views(sla, now) if v.status in ("running", "paused") and v.left_us is not None
    ]
    return min(running, key=lambda v: v.left_us or 0, default=None)


def describe_event(event: Event) -> str:
    """Words for an SLA warning, breach, alarm or still-working event, for the ticket timeline."""
    data: Any = event.after if isinstance(event.after, dict) else {}
    if event.kind == EventKind.ALARM:
        step = str(data.get("to", ""))
        return _("Alarm: a customer message has waited too long (step %(level)s, to %(to)s)") % {
            "level": data.get("level", "?"),
            "to": ALARM_STEPS.get(step, step),
        }
    if event.kind == EventKind.STILL_WORKING:
        hours = ""
        if data.get("since"):
            since = datetime.fromisoformat(str(data["since"]))
            hours = str(max(0, int((event.created_at - since).total_seconds() // 3600)))
        if data.get("note"):
            return _(
                "Still working on it: no public update for %(hours)s h; the customer got a "
                "progress note"
            ) % {"hours": hours}
        return _("Still working on it: no public update for %(hours)s h") % {"hours": hours}
    clock = str(data.get("clock", ""))
    label = str(LABELS[ClockKind(clock)]) if clock in ClockKind.values else clock
    due = ""
    if data.get("due"):
        due = formats.date_format(
            timezone.localtime(datetime.fromisoformat(data["due"])), "D j M H:i"
        )
    if event.kind == EventKind.SLA_WARNING:
        return _("SLA warning: %(clock)s due %(due)s") % {"clock": label, "due": due}
    if event.kind == EventKind.SLA_BREACH:
        return _("SLA breached: %(clock)s was due %(due)s") % {"clock": label, "due": due}
    return ""
