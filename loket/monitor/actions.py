"""Every incident change goes through here.

Monitor side (called by the engine, ``by`` is the system): a monitor that went down opens an
incident ticket, or counts a flap on the incident that is still settling; a monitor that came
back starts the settle period; one that stayed back for it resolves the incident with a note.

Agent side: link customer tickets to an incident and post updates, which reach every linked
customer as a public reply from the agent (in the customer's language when given).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from loket.accounts.models import Team, Tier, User
from loket.monitor import conf
from loket.monitor.checks import CheckOutcome, Problem
from loket.monitor.models import Incident, IncidentLink, IncidentUpdate, Monitor
from loket.tickets import actions as ticket_actions
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Channel, Priority, State, Ticket


class IncidentError(ValueError):
    """A request about an incident that cannot be carried out, with the reason."""


def _subject(monitor: Monitor, problem: str) -> str:
    if problem == Problem.SLOW:
        return _("Slow: %(name)s") % {"name": monitor.name}
    if problem == Problem.CERTIFICATE:
        return _("Certificate problem: %(name)s") % {"name": monitor.name}
    if problem == Problem.HEARTBEAT:
        return _("Heartbeat missing: %(name)s") % {"name": monitor.name}
    if problem == Problem.CONTENT:
        return _("Wrong content: %(name)s") % {"name": monitor.name}
    return _("Down: %(name)s") % {"name": monitor.name}


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def describe_failure(monitor: Monitor, outcome: CheckOutcome) -> str:
    """The failing check's details, for the people who will fix it."""
    t = outcome.timings
    kind = monitor.get_kind_display()
    checked = datetime.fromtimestamp(outcome.started, tz=UTC)
    lines = [
        _("Monitor: %(name)s (%(kind)s)") % {"name": monitor.name, "kind": kind},
        _("Target: %(target)s") % {"target": monitor.target or "—"},
        _("Problem: %(error)s") % {"error": outcome.error},
        _("Failed checks in a row: %(n)s") % {"n": monitor.retries + 1},
        _("Last check: %(when)s") % {"when": _when(checked)},
    ]
    if outcome.status_code is not None:
        lines.append(_("HTTP status: %(status)s") % {"status": outcome.status_code})
    phases = [
        (_("DNS"), t.dns_ms),
        (_("connect"), t.connect_ms),
        (_("TLS"), t.tls_ms),
        (_("first byte"), t.first_byte_ms),
        (_("total"), t.total_ms),
    ]
    measured = [f"{name} {round(ms)} ms" for name, ms in phases if ms is not None]
    if measured:
        lines.append(_("Timings: %(phases)s") % {"phases": " · ".join(measured)})
    if outcome.size is not None:
        lines.append(_("Page size: %(bytes)s bytes") % {"bytes": outcome.size})
    if outcome.cert_expires is not None:
        lines.append(_("Certificate valid until: %(when)s") % {"when": _when(outcome.cert_expires)})
    return "\n".join(lines)


def _team(monitor: Monitor) -> Team:
    return monitor.team or ticket_actions.default_team(Tier.SECOND_LINE)


def _call_out(ticket: Ticket, now: datetime) -> None:
    """An outage cannot wait for the morning: when the rota (``loket.rota``, if installed) has
    nobody on duty in the ticket's team, the incident goes to whoever is on call. (While
    someone is on duty, the rota's own routing shares the ticket as for any other.)"""
    if ticket.assignee_id is not None or not apps.is_installed("loket.rota"):
        return
    duty: Any = import_module("loket.rota.duty")
    team = ticket.team
    if duty.on_duty(team, now):
        return
    on_call = duty.on_call(team, now)
    if on_call:
        ticket_actions.assign(ticket, on_call[0], by=None, system=True)


def monitor_down(monitor_id: int, outcome: CheckOutcome, *, now: datetime) -> Incident | None:
    """The monitor is down (after its retries): open an incident ticket, or, when an incident
    is still open (the site came back but had not settled), count a flap on it instead."""
    with transaction.atomic():
        monitor = Monitor.objects.select_for_update().filter(pk=monitor_id).first()
        if monitor is None:
            return None
        incident = Incident.objects.filter(monitor=monitor, resolved_at__isnull=True).first()
        if incident is not None:
            incident.flaps += 1
            incident.recovered_at = None
            incident.save(update_fields=["flaps", "recovered_at"])
            return incident
        with translation.override(settings.LANGUAGE_CODE):
            details = describe_failure(monitor, outcome)
            subject = _subject(monitor, outcome.problem)
            team = _team(monitor)
            # A certificate that still works for a while is pressing, not an outage.
            expiring = outcome.problem == Problem.CERTIFICATE and (
                outcome.cert_expires is not None and outcome.cert_expires > now
            )
            ticket = ticket_actions.create_ticket(
                subject=subject,
                body=details,
                customer=None,
                channel=Channel.MONITOR,
                by=None,
                priority=Priority.HIGH if expiring else Priority.URGENT,
                team=team,
                tags=["monitor"],
                language=settings.LANGUAGE_CODE,
            )
            ticket.refresh_from_db()
            _call_out(ticket, now)
        return Incident.objects.create(
            monitor=monitor,
            ticket=ticket,
            title="",
            problem=outcome.problem,
            cause=details,
            public=monitor.public,
            started_at=now,
        )


def monitor_up(monitor_id: int, *, now: datetime) -> None:
    """The monitor passed a check after being down: the settle period starts (and with no
    settle period the incident resolves right away)."""
    updated = Incident.objects.filter(
        monitor_id=monitor_id, resolved_at__isnull=True, recovered_at__isnull=True
    ).update(recovered_at=now)
    if updated:
        monitor_still_up(monitor_id, now=now)


def monitor_still_up(monitor_id: int, *, now: datetime) -> None:
    """Resolves the monitor's incident once the site has stayed up for the settle period."""
    settle = timedelta(seconds=int(conf.get("MONITOR_SETTLE_SECONDS")))
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update()
            .select_related("monitor", "ticket")
            .filter(monitor_id=monitor_id, resolved_at__isnull=True, recovered_at__isnull=False)
            .first()
        )
        if incident is None or incident.recovered_at is None:
            return
        if now - incident.recovered_at < settle:
            return
        incident.resolved_at = now
        incident.save(update_fields=["resolved_at"])
        monitor = incident.monitor
        with translation.override(settings.LANGUAGE_CODE):
            text = _("The monitor is back up since %(when)s; it was down for %(duration)s.") % {
                "when": _when(incident.recovered_at),
                "duration": timesince(incident.started_at, incident.recovered_at),
            }
            if incident.flaps:
                text += "\n" + _(
                    "It went down again %(n)s times before it stayed up (flapping)."
                ) % {"n": incident.flaps}
            resolve = monitor is None or monitor.auto_resolve
            if not resolve:
                text += "\n" + _("The ticket stays open for an agent to resolve.")
        ticket = incident.ticket
        if ticket.state == State.CLOSED:
            return
        ticket_actions.add_system_note(
            ticket, body=text, then_state=State.RESOLVED if resolve else None
        )


def _require_agent(by: User) -> None:
    if not (by.is_active and by.is_agent):
        raise PermissionDenied(_("Only agents may do this."))


@transaction.atomic
def link_ticket(incident: Incident, ticket: Ticket, *, by: User) -> bool:
    """Links a customer ticket to the incident (the agent must be able to see the ticket).
    Returns whether a new link was made."""
    _require_agent(by)
    if not tickets_visible_to(by).filter(pk=ticket.pk).exists():
        raise PermissionDenied(_("Only agents may do this."))
    if ticket.pk == incident.ticket_id:
        raise IncidentError(_("The incident's own ticket cannot be linked to it."))
    if ticket.customer_id is None:
        raise IncidentError(_("Only tickets with a customer can be linked to an incident."))
    try:
        with transaction.atomic():
            IncidentLink.objects.create(incident=incident, ticket=ticket, linked_by=by)
    except IntegrityError:
        return False
    ticket_actions.link(incident.ticket, ticket, by=by)
    return True


@transaction.atomic
def unlink_ticket(incident: Incident, ticket: Ticket, *, by: User) -> None:
    _require_agent(by)
    IncidentLink.objects.filter(incident=incident, ticket=ticket).delete()


def post_update(
    incident: Incident,
    *,
    by: User,
    body: str,
    translations: Mapping[str, str] | None = None,
    public: bool = True,
) -> IncidentUpdate:
    """One update on the incident: a note on its ticket, an entry on the status page (when
    public), and a public reply from ``by`` on every open linked customer ticket, in the
    customer's language when ``translations`` has it (``{"nl": "…"}``), else ``body``."""
    _require_agent(by)
    body = body.strip()
    if not body:
        raise IncidentError(_("The update is empty."))
    texts = {
        lang.split("-")[0].lower(): text.strip() for lang, text in (translations or {}).items()
    }
    with transaction.atomic():
        update = IncidentUpdate.objects.create(incident=incident, body=body, by=by, public=public)
        if incident.ticket.state != State.CLOSED:
            ticket_actions.add_note(incident.ticket, body=body, by=by)
        linked = (
            Ticket.objects.filter(pk__in=incident.links.values("ticket_id"))
            .exclude(state=State.CLOSED)
            .select_related("customer")
            .order_by("pk")
        )
        sent = 0
        for ticket in linked:
            language = (ticket.customer.language if ticket.customer else "") or ticket.language
            text = texts.get((language or "").split("-")[0].lower()) or body
            ticket_actions.reply(ticket, body=text, by=by)
            sent += 1
        update.replies_sent = sent
        update.save(update_fields=["replies_sent"])
    return update


def open_public_incidents() -> list[Incident]:
    """The banner's incidents (every page asks). Nearly always there are none: a one-column
    existence check first costs a third of building and reading the full join."""
    open_ = Incident.objects.filter(resolved_at__isnull=True, public=True)
    if not open_.values_list("pk").exists():
        return []
    return list(open_.select_related("monitor").order_by("-started_at"))


@transaction.atomic
def set_enabled(monitor: Monitor, enabled: bool, *, by: User) -> bool:
    """Pauses or resumes a monitor (managers and admins); returns whether it changed. A paused
    monitor is not checked and leaves the status page; resumed, its next check comes within
    one interval."""
    if not (by.is_active and by.is_manager):
        raise PermissionDenied(_("Only managers may change monitors."))
    locked = Monitor.objects.select_for_update().get(pk=monitor.pk)
    if locked.enabled == enabled:
        return False
    fields: dict[str, Any] = {"enabled": enabled}
    if enabled:
        locked.spread_first_check()
        fields["next_check_at"] = locked.next_check_at
    Monitor.objects.filter(pk=monitor.pk).update(**fields)
    monitor.enabled = enabled
    return True
