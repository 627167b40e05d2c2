"""Periodic report work, run by the worker."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="mail")
def send_weekly_reports() -> int:
    """Checked every quarter of an hour; mails last week's report on Monday morning, once."""
    from loket.reports.weekly import send_all

    return send_all()


@task(queue_name="default")
def compact_tallies() -> int:
    """Every five minutes: the roll-up's new delta rows summed per key
    (``loket.reports.compact``); several workers may run it at once, each takes other days."""
    from loket.reports.compact import compact

    return compact()
