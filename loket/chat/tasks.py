"""Chat's background work, on the worker's "mail" queue."""

from __future__ import annotations

from django_tasks import task

from loket.jobs.retry import retrying


@task(queue_name="mail")
@retrying(attempts=5, base=30)
def mail_transcript(session_id: int) -> bool:
    """The conversation mailed to the visitor, who asked for it in the widget."""
    from loket.chat.transcript import send

    return send(session_id)
