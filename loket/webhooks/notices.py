"""The admins' notice when a webhook was switched off after failing again and again: in the
desk's notifications, and by e-mail and Telegram as each admin's settings say
(``loket.sla.notify.notice``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from loket.accounts.models import Role, User
from loket.sla import notify
from loket.sla.models import NotificationKind
from loket.webhooks.models import Subscription


def admins() -> list[User]:
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))


@task(queue_name="notify")
def tell_admins(subscription_id: int, failures: int) -> int:
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return 0
    path = reverse("webhooks:detail", args=[subscription.pk])
    reached = 0
    for person in admins():
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = _(
                "Webhook “%(name)s” was switched off after %(n)s failed deliveries in a row. "
                "Check the receiver, then switch it on again."
            ) % {"name": subscription.name, "n": failures}
            notify.notice(person, NotificationKind.WEBHOOK, text, path)
        reached += 1
    return reached
