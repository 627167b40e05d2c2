"""Keeps the roll-up current: runs inside the transaction that writes the event, the SLA
clocks or the survey (``loket.reports.tally``); the events of a bulk import all at once, after
the SLA clocks of the batch are written (``eventlog.on_batch``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from loket.csat.models import Survey
from loket.reports import tally
from loket.sla.models import TicketSla
from loket.tickets import eventlog
from loket.tickets.models import Event, Ticket


@receiver(post_save, sender=Event, dispatch_uid="loket.reports.roll_up")
def _on_event(sender: type[Event], instance: Event, created: bool, raw: bool, **_: Any) -> None:
    if created and not raw and not eventlog.handled_in_batch(instance):
        tally.on_event(instance)


# After ``sla.track`` (order 10), which writes the batch's clocks in bulk.
eventlog.on_batch("loket.reports", tally.on_events, order=20)


@receiver(eventlog.bulk_written, sender=Event, dispatch_uid="loket.reports.bulk")
def _on_bulk(sender: type[Event], events: list[Event], **_: Any) -> None:
    """The SLA sweep's warnings and breaches: it updates the clocks without ``save`` (so no
    ``post_save`` reaches ``on_sla``) and announces the tickets with these events."""
    tally.on_events(events)


@receiver(post_save, sender=TicketSla, dispatch_uid="loket.reports.sla")
def _on_sla(sender: type[TicketSla], instance: TicketSla, raw: bool, **_: Any) -> None:
    if not raw:
        tally.on_sla(instance)


@receiver(pre_delete, sender=Ticket, dispatch_uid="loket.reports.ticket_deleted")
def _on_ticket_deleted(sender: type[Ticket], instance: Ticket, **_: Any) -> None:
    tally.on_ticket_deleted(instance.pk)


@receiver(pre_save, sender=Survey, dispatch_uid="loket.reports.survey_before")
def _survey_before(sender: type[Survey], instance: Survey, raw: bool, **_: Any) -> None:
    if not raw and instance.pk is not None:
        instance._report_before = Survey.objects.filter(pk=instance.pk).first()  # type: ignore[attr-defined]


@receiver(post_save, sender=Survey, dispatch_uid="loket.reports.survey_after")
def _survey_after(sender: type[Survey], instance: Survey, raw: bool, **_: Any) -> None:
    if not raw:
        tally.on_survey(getattr(instance, "_report_before", None), instance)


@receiver(post_delete, sender=Survey, dispatch_uid="loket.reports.survey_deleted")
def _survey_deleted(sender: type[Survey], instance: Survey, **_: Any) -> None:
    tally.on_survey(instance, None)
