"""Batched staff mail: at most one notification mail per agent per few minutes.

A notification that should reach an agent by e-mail is not mailed on its own: it is marked
``pending`` and, in the same transaction, the agent's ``MailPacer`` row is locked and one
``send_batch`` task is queued for the agent unless one already waits. The task runs at once
when no mail went to the agent within ``NOTIFY_MAIL_MINUTES`` (default 5), else when that
window ends, and puts everything pending by then into one mail (a digest when there are
several). So a burst of 130 alarms gives an agent one mail now and one a few minutes later.

Exactly-once-ish: the task claims the pending rows (``sending``) and commits before talking to
the mail server, then marks them ``sent``. A failed send hands them back (``pending``) and
queues the task again with a delay; rows left ``sending`` by a worker that died are claimed
again after ``RECLAIM_AFTER`` (sent at least once, never silently dropped).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from loket.accounts.models import User
from loket.sla.models import EmailState, MailPacer, Notification

log = logging.getLogger(__name__)

RECLAIM_AFTER = timedelta(minutes=10)
RETRY_AFTER = timedelta(minutes=1)
MOST_IN_ONE_MAIL = 200


def window() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "NOTIFY_MAIL_MINUTES", 5)))


def schedule(agent_id: int, now: datetime, *, not_before: datetime | None = None) -> None:
    """Makes sure one ``send_batch`` task waits for the agent (call inside the transaction
    that marked a notification ``pending``)."""
    with transaction.atomic():
        pacer, _created = MailPacer.objects.select_for_update().get_or_create(agent_id=agent_id)
        if pacer.next_at is not None:
            return
        due = now
        if pacer.last_sent_at is not None:
            due = max(due, pacer.last_sent_at + window())
        if not_before is not None:
            due = max(due, not_before)
        pacer.next_at = due
        pacer.save(update_fields=["next_at"])
        send_batch.using(run_after=due).enqueue(agent_id)


def queue(note: Notification, now: datetime) -> None:
    """Marks a stored notification for the agent's next mail."""
    Notification.objects.filter(pk=note.pk).update(email_state=EmailState.PENDING)
    note.email_state = EmailState.PENDING
    schedule(note.recipient_id, now)


def _claim(agent_id: int, now: datetime) -> list[Notification]:
    with transaction.atomic():
        pacer, _created = MailPacer.objects.select_for_update().get_or_create(agent_id=agent_id)
        due = Q(email_state=EmailState.PENDING) | Q(
            email_state=EmailState.SENDING, email_at__lt=now - RECLAIM_AFTER
        )
        rows = list(
            Notification.objects.filter(due, recipient_id=agent_id)
            .select_related("ticket")
            .order_by("pk")[:MOST_IN_ONE_MAIL]
        )
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
            email_state=EmailState.SENDING, email_at=now
        )
        pacer.next_at = None
        if rows:
            pacer.last_sent_at = now
        pacer.save(update_fields=["next_at", "last_sent_at"])
        more = Notification.objects.filter(
            email_state=EmailState.PENDING, recipient_id=agent_id
        ).exclude(pk__in=[n.pk for n in rows])
        if more.exists():  # more than fit in one mail: the rest in the next window
            schedule(agent_id, now)
    return rows


def _link(note: Notification) -> str:
    base = settings.BASE_URL.rstrip("/")
    if note.ticket_id is not None:
        return base + reverse("desk:ticket", args=[note.ticket_id])
    return base + reverse("notifications:centre")


def compose(person: User, rows: list[Notification]) -> EmailMessage:
    """One mail for ``rows`` (one notification: as before; several: a digest)."""
    site = settings.SITE_NAME
    centre = settings.BASE_URL.rstrip("/") + reverse("notifications:centre")
    with translation.override(person.language or settings.LANGUAGE_CODE):
        if len(rows) == 1:
            subject = _("[%(site)s] %(text)s") % {"site": site, "text": rows[0].text}
            body = f"{rows[0].text}\n\n{_link(rows[0])}\n"
        else:
            subject = ngettext(
                "[%(site)s] %(n)s notification", "[%(site)s] %(n)s notifications", len(rows)
            ) % {"site": site, "n": len(rows)}
            lines = [
                _("What happened since the last mail:"),
                "",
            ]
            for note in rows:
                when = timezone.localtime(note.created_at).strftime("%H:%M")
                lines += [f"{when}  {note.text}", f"       {_link(note)}", ""]
            lines += [_("All your notifications: %(url)s") % {"url": centre}]
            body = "\n".join(lines) + "\n"
    return EmailMessage(
        subject=subject.replace("\n", " ")[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={"Auto-Submitted": "auto-generated", "X-Loket-Notification": str(len(rows))},
    )


def _add_email_channel(ids: list[int]) -> None:
    for note in Notification.objects.filter(pk__in=ids).only("pk", "channels"):
        ways = [c for c in note.channels.split(",") if c]
        if "email" not in ways:
            ways.insert(0, "email")
        Notification.objects.filter(pk=note.pk).update(
            channels=",".join(ways), email_state=EmailState.SENT
        )


@task(queue_name="notify")
def send_batch(agent_id: int) -> int:
    """Sends the agent one mail with everything pending; returns how many it held."""
    now = timezone.now()
    person = User.objects.filter(pk=agent_id).first()
    rows = _claim(agent_id, now)
    if not rows:
        return 0
    ids = [n.pk for n in rows]
    if person is None or not person.is_active or not person.email:
        Notification.objects.filter(pk__in=ids).update(email_state=EmailState.NONE)
        return 0
    try:
        compose(person, rows).send()
    except OSError as exc:
        log.warning("notification mail to %s failed: %s", agent_id, exc)
        with transaction.atomic():
            Notification.objects.filter(pk__in=ids).update(
                email_state=EmailState.PENDING, email_at=None
            )
            MailPacer.objects.filter(pk=agent_id).update(last_sent_at=None)
            schedule(agent_id, now, not_before=now + RETRY_AFTER)
        return 0
    _add_email_channel(ids)
    return len(rows)
