"""Changes to SLA configuration that have consequences for open tickets, and an agent's own
notification settings."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.lib import http
from loket.sla import calendars
from loket.sla.models import (
    BusinessCalendar,
    NotificationKind,
    NotifyChannel,
    NotifyDefaults,
    NotifySettings,
    PushSubscription,
)


@transaction.atomic
def save_calendar(
    calendar: BusinessCalendar, spec: dict[str, Any], *, by: User
) -> BusinessCalendar:
    """Stores new opening hours and schedules the recomputation of every open ticket's due
    times on this calendar (in the same transaction: both happen or neither)."""
    if not by.is_manager:
        raise PermissionDenied(_("Only managers and admins change business calendars."))
    try:
        calendars.from_json(spec)
    except calendars.CalendarError as exc:
        raise ValidationError({"spec": str(exc)}) from None
    changed = calendar.pk is None or calendar.spec != spec
    calendar.spec = spec
    calendar.save()
    if changed:
        from loket.sla.tasks import recompute_calendar

        recompute_calendar.enqueue(calendar.pk)
    return calendar


@transaction.atomic
def save_notify_settings(
    agent: User,
    *,
    by: User,
    channel_kinds: dict[str, list[str]],
    telegram_chat_id: str,
    quiet_from: time | None,
    quiet_until: time | None,
    tz: str,
) -> NotifySettings:
    """An agent chooses what reaches them which way, and their quiet hours (only their own)."""
    if by.pk != agent.pk or not agent.is_active or not agent.is_agent:
        raise PermissionDenied(_("Agents change only their own notification settings."))
    known = set(NotificationKind.values)
    chosen = {
        channel: [k for k in NotificationKind.values if k in set(channel_kinds.get(channel, []))]
        for channel in NotifyChannel.values
    }
    if any(set(kinds) - known for kinds in channel_kinds.values()):
        raise ValidationError(_("Unknown kind of notification."))
    prefs, _created = NotifySettings.objects.select_for_update().get_or_create(agent=agent)
    prefs.channel_kinds = chosen
    prefs.email = bool(chosen[NotifyChannel.EMAIL])
    prefs.telegram_chat_id = telegram_chat_id
    prefs.quiet_from = quiet_from
    prefs.quiet_until = quiet_until
    prefs.tz = tz
    prefs.save()
    return prefs


@transaction.atomic
def save_notify_defaults(
    *,
    by: User,
    channel_kinds: dict[str, list[str]],
    quiet_from: time | None,
    quiet_until: time | None,
    tz: str,
) -> tuple[NotifyDefaults, dict[str, Any]]:
    """The desk's defaults for agents without settings of their own (managers and admins);
    agents' own settings stay as they are. Returns the row and what changed
    (``{field: [before, after]}``)."""
    if not by.is_active or not by.is_manager:
        raise PermissionDenied(_("Only managers change the notification defaults."))
    known = set(NotificationKind.values)
    if any(set(kinds) - known for kinds in channel_kinds.values()):
        raise ValidationError(_("Unknown kind of notification."))
    if (quiet_from is None) != (quiet_until is None):
        raise ValidationError(_("Give both the start and the end of the quiet hours."))
    chosen = {
        channel: [k for k in NotificationKind.values if k in set(channel_kinds.get(channel, []))]
        for channel in NotifyChannel.values
    }
    row, _created = NotifyDefaults.objects.select_for_update().get_or_create(pk=1)
    before: dict[str, Any] = {c: row_wants(row, c) for c in NotifyChannel.values}
    before.update(quiet_from=row.quiet_from, quiet_until=row.quiet_until, tz=row.tz)
    after: dict[str, Any] = {**chosen, "quiet_from": quiet_from, "quiet_until": quiet_until,
                             "tz": tz}  # fmt: skip
    row.channel_kinds = chosen
    row.quiet_from = quiet_from
    row.quiet_until = quiet_until
    row.tz = tz
    row.updated_at = timezone.now()
    row.save()
    return row, {k: [before[k], v] for k, v in after.items() if before[k] != v}


def row_wants(defaults: NotifyDefaults, channel: str) -> list[str]:
    """The kinds the defaults send by ``channel`` (the built-in choice while none was made)."""
    probe = defaults.for_agent(User())
    return [k for k in NotificationKind.values if probe.wants(k, channel)]


def _key(value: object, length: int) -> str:
    text = str(value or "")
    if not text or len(text) > length or not all(c.isalnum() or c in "-_=" for c in text):
        raise ValidationError(_("This browser sent an unusable push subscription."))
    return text


@transaction.atomic
def subscribe_push(
    agent: User, *, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Stores one of the agent's browsers for Web Push (an endpoint seen before moves to this
    agent: the browser is now theirs)."""
    if not agent.is_active or not agent.is_agent:
        raise PermissionDenied(_("Only agents receive push notifications."))
    if not endpoint or len(endpoint) > 2000:
        raise ValidationError(_("This browser sent an unusable push subscription."))
    try:
        http.check_url(endpoint)
    except http.Blocked:
        raise ValidationError(_("This browser sent an unusable push subscription.")) from None
    found, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "agent": agent,
            "p256dh": _key(p256dh, 200),
            "auth": _key(auth, 100),
            "user_agent": user_agent[:300],
            "created_at": timezone.now(),
        },
    )
    return found


@transaction.atomic
def unsubscribe_push(agent: User, *, endpoint: str) -> int:
    """Forgets one of the agent's own browsers (another agent's stays)."""
    deleted, _per_model = PushSubscription.objects.filter(agent=agent, endpoint=endpoint).delete()
    return deleted
