"""The desk's notification defaults from the settings area; audited."""

from __future__ import annotations

from datetime import time

from django.db import transaction

from loket.accounts.models import User
from loket.setup import actions, audit
from loket.setup.sections import NOTIFY_DEFAULTS
from loket.sla import actions as sla_actions
from loket.sla.models import NotifyDefaults


@transaction.atomic
def save_notify_defaults(
    *,
    by: User,
    channel_kinds: dict[str, list[str]],
    quiet_from: time | None,
    quiet_until: time | None,
    tz: str,
) -> NotifyDefaults:
    actions.require(by, NOTIFY_DEFAULTS)
    row, changes = sla_actions.save_notify_defaults(
        by=by, channel_kinds=channel_kinds, quiet_from=quiet_from, quiet_until=quiet_until, tz=tz
    )
    if changes:
        readable = {k: [audit.plain(v[0]), audit.plain(v[1])] for k, v in changes.items()}
        audit.record(by, audit.CHANGED, NOTIFY_DEFAULTS.key, row, changes=readable)
    return row
