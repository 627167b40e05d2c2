"""Where events become deliveries: listeners on the lower layers' own signals.

The tickets, SLA and monitor apps know nothing of webhooks. This module listens to what they
already announce, inside their transactions:

* ``post_save`` of a ticket ``Event`` (and, during a bulk import, the event log's batch hook):
  ticket created, message added, state changed;
* ``eventlog.bulk_written``, sent by the SLA sweep for the events it writes in bulk: SLA breached;
* ``post_save`` of a monitor ``Incident``: created is "monitor down", saved with ``resolved_at``
  is "monitor up" (the site came back and stayed up for the settle period).

``emit`` writes one ``Delivery`` per active subscription that wants the kind and enqueues its
task in the same transaction (an outbox: the delivery exists exactly when the change
committed). Other apps announce their events with ``loket.lib.announce.announce(kind, data)``
(satisfaction ratings: ``csat.received``); a kind of ``models.Kind`` is delivered, others are
ignored.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import post_save
from django.utils import timezone

from loket.lib import announce
from loket.tickets import eventlog
from loket.tickets.models import Event, EventKind, Ticket
from loket.webhooks import payloads
from loket.webhooks.models import Delivery, Kind, Subscription

TICKET_KINDS: dict[str, str] = {
    EventKind.CREATED: Kind.TICKET_CREATED,
    EventKind.MESSAGE: Kind.MESSAGE_ADDED,
    EventKind.STATE: Kind.STATE_CHANGED,
    EventKind.SLA_BREACH: Kind.SLA_BREACHED,
    # The satisfaction survey (loket.csat, on main) records a ticket event of kind "rated";
    # named by its value so that this module does not depend on that app being there.
    "rated": Kind.CSAT_RECEIVED,
}


def envelope(uid: uuid.UUID, kind: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The body's text: the same bytes are signed and sent on every attempt."""
    body = {
        "id": str(uid),
        "type": kind,
        "occurred_at": occurred_at.isoformat(),
        "api_version": 1,
        "data": data,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def subscribers(kind: str) -> list[Subscription]:
    return [s for s in Subscription.objects.filter(active=True) if s.wants(kind)]


def emit(
    kind: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    occurred_at: datetime | None = None,
    to: list[Subscription] | None = None,
) -> list[Delivery]:
    """Queues ``kind`` for every active subscription that wants it (call inside the
    transaction of the change). ``data`` may be a function, called only when someone listens."""
    targets = subscribers(kind) if to is None else to
    if not targets:
        return []
    from loket.webhooks.delivery import deliver

    body_data = data() if callable(data) else data
    moment = occurred_at or timezone.now()
    made = []
    for subscription in targets:
        uid = uuid.uuid4()
        delivery = Delivery.objects.create(
            subscription=subscription,
            uid=uid,
            kind=kind,
            body=envelope(uid, kind, moment, body_data),
            next_attempt_at=timezone.now(),
        )
        deliver.enqueue(delivery.pk)
        made.append(delivery)
    return made


# --- ticket events ----------------------------------------------------------------------------


def _ticket_events(events: list[Event], tickets: dict[int, Ticket] | None = None) -> None:
    wanted = [e for e in events if e.kind in TICKET_KINDS]
    if not wanted:
        return
    active = list(Subscription.objects.filter(active=True))
    if not active:
        return
    for event in wanted:
        kind = TICKET_KINDS[event.kind]
        targets = [s for s in active if s.wants(kind)]
        if not targets:
            continue
        ticket = tickets.get(event.ticket_id) if tickets is not None else event.ticket
        if ticket is None:
            continue
        emit(
            kind,
            functools.partial(payloads.for_event, event, ticket),
            occurred_at=event.created_at,
            to=targets,
        )


def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if not created or raw or eventlog.handled_in_batch(instance):
        return
    _ticket_events([instance])


def _on_bulk(sender: Any, events: list[Event], **_: Any) -> None:
    # The sweep's events carry a ticket with most fields deferred: read them whole, once.
    if not any(e.kind in TICKET_KINDS for e in events):
        return
    if not Subscription.objects.filter(active=True).exists():
        return
    ids = {e.ticket_id for e in events if e.kind in TICKET_KINDS}
    tickets = Ticket.objects.select_related("team", "assignee", "customer", "organisation").in_bulk(
        ids
    )
    _ticket_events(events, tickets)


# --- monitors ---------------------------------------------------------------------------------


def _monitor(incident: Any) -> dict[str, Any] | None:
    monitor = incident.monitor
    if monitor is None:
        return None
    return {"id": monitor.pk, "name": monitor.name, "kind": monitor.kind, "target": monitor.target}


def _incident(incident: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "monitor": _monitor(incident),
        "incident": {
            "id": incident.pk,
            "problem": incident.problem,
            "cause": incident.cause,
            "started_at": incident.started_at,
            "recovered_at": incident.recovered_at,
            "resolved_at": incident.resolved_at,
            "flaps": incident.flaps,
            "ticket_id": incident.ticket_id,
        },
    }
    if incident.resolved_at is not None and incident.recovered_at is not None:
        down = incident.recovered_at - incident.started_at
        data["incident"]["down_seconds"] = int(down.total_seconds())
    return data


def _on_incident(
    sender: Any,
    instance: Any,
    created: bool,
    raw: bool,
    update_fields: frozenset[str] | None = None,
    **_: Any,
) -> None:
    if raw:
        return
    if created:
        emit(
            Kind.MONITOR_DOWN,
            functools.partial(_incident, instance),
            occurred_at=instance.started_at,
        )
    elif instance.resolved_at is not None and update_fields and "resolved_at" in update_fields:
        emit(
            Kind.MONITOR_UP,
            functools.partial(_incident, instance),
            occurred_at=instance.resolved_at,
        )


def _on_announced(
    sender: Any,
    kind: str,
    data: Any,
    occurred_at: datetime | None = None,
    **_: Any,
) -> None:
    if kind not in Kind.values:
        return
    emit(kind, lambda: dict(data() if callable(data) else data), occurred_at=occurred_at)


def connect() -> None:
    from loket.monitor.models import Incident

    post_save.connect(_on_event, sender=Event, dispatch_uid="loket.webhooks.event")
    eventlog.on_batch("loket.webhooks", _ticket_events, order=900)
    eventlog.bulk_written.connect(_on_bulk, sender=Event, dispatch_uid="loket.webhooks.bulk")
    post_save.connect(_on_incident, sender=Incident, dispatch_uid="loket.webhooks.incident")
    announce.announced.connect(_on_announced, dispatch_uid="loket.webhooks.announced")
