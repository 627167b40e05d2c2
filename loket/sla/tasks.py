"""Periodic SLA work, run by the worker (on the ``notify`` queue, never behind imports)."""

from __future__ import annotations

from django_tasks import task

from loket.sla.alarms import sweep_alarms
from loket.sla.sweep import sweep


@task(queue_name="notify")
def sweep_sla() -> dict[str, int]:
    """Warnings, breaches and unanswered-message alarms that are due."""
    result = sweep()
    alarms = sweep_alarms()
    return {"warnings": result.warnings, "breaches": result.breaches, "alarms": len(alarms)}


@task(queue_name="notify")
def still_working() -> int:
    """Reminders for open tickets without a public update for too long."""
    from loket.sla.still_working import sweep_still_working

    return len(sweep_still_working())


@task()
def recompute_calendar(calendar_id: int) -> int:
    """New due times on a changed calendar (a long job: the default queue)."""
    from loket.sla.models import BusinessCalendar
    from loket.sla.recompute import recompute

    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    return recompute(calendar) if calendar is not None else 0


@task(queue_name="mail")
def send_digests() -> int:
    """The daily management digest, by e-mail to every manager."""
    from loket.sla.digest import send_all

    return send_all()
