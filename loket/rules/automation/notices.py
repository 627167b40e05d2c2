"""Notifications from rules (``loket.sla.notify.notice``, in each person's language): a rule's
"notify" action, and the admins' notices when a rule was switched off after failing or a
ticket hit the loop guard. Queued as tasks in the transaction of the change."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.accounts.models import Role, User
from loket.jobs.retry import retrying


def _ticket_path(ticket_id: int) -> str:
    return reverse("desk:ticket", args=[ticket_id])


@task(queue_name="notify")
@retrying(attempts=3)
def notify_people(user_ids: list[int], ticket_id: int, rule_name: str) -> int:
    from loket.sla import notify
    from loket.sla.models import NotificationKind
    from loket.tickets.models import Ticket

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    reached = 0
    for person in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = _("#%(n)s %(subject)s: rule “%(rule)s”") % {
                "n": ticket.pk,
                "subject": ticket.subject,
                "rule": rule_name,
            }
            notify.notice(person, NotificationKind.RULE, text, _ticket_path(ticket.pk))
        reached += 1
    return reached


def admins() -> list[User]:
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))


@task(queue_name="notify")
@retrying(attempts=3)
def tell_admins(what: str, rule_id: int | None, ticket_id: int | None, reason: str) -> int:
    """``what``: "disabled" (the rule failed and was switched off) or "loop" (a ticket's
    rules fired too often in an hour)."""
    from loket.rules.models import Rule
    from loket.sla import notify
    from loket.sla.models import NotificationKind

    rule = Rule.objects.filter(pk=rule_id).first() if rule_id is not None else None
    if what == "disabled" and rule is not None:
        path = reverse("rules:edit", args=[rule.pk])
    elif ticket_id is not None:
        path = _ticket_path(ticket_id)
    else:
        path = reverse("rules:list")
    reached = 0
    for person in admins():
        with translation.override(person.language or settings.LANGUAGE_CODE):
            if what == "disabled":
                text = _("Rule “%(rule)s” failed and was switched off: %(reason)s") % {
                    "rule": rule.name if rule is not None else "?",
                    "reason": reason,
                }
            else:
                text = _(
                    "Rules fired too often on ticket #%(n)s within an hour; they stop for it "
                    "until the hour has passed. Check the rules for a loop."
                ) % {"n": ticket_id}
            notify.notice(person, NotificationKind.RULE, text, path)
        reached += 1
    return reached
