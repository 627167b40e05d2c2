"""Monitors and the status page's components from the settings area; audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from loket.accounts.models import User
from loket.monitor import actions as monitor_actions
from loket.monitor.models import Monitor
from loket.setup import actions, audit
from loket.setup.forms_monitors import ComponentForm, MonitorForm
from loket.setup.sections import MONITOR_SETTINGS, STATUS_PAGE

# Request headers and body may carry a site's password or token: the audit log says only
# that they changed.
SECRETS = ("request_headers", "request_body")


def save_monitor(form: MonitorForm, *, by: User) -> Monitor:
    return actions.save_form(form, by=by, section=MONITOR_SETTINGS, secrets=SECRETS)


@transaction.atomic
def set_enabled(monitor: Monitor, enabled: bool, *, by: User) -> bool:
    actions.require(by, MONITOR_SETTINGS)
    changed = monitor_actions.set_enabled(monitor, enabled, by=by)
    if changed:
        audit.record(
            by, audit.CHANGED, MONITOR_SETTINGS.key, monitor,
            changes={"enabled": [not enabled, enabled]},
        )  # fmt: skip
    return changed


@transaction.atomic
def save_components(forms: Iterable[ComponentForm], *, by: User) -> int:
    """Each changed row of the status page's form, one audit row per monitor; returns how
    many monitors changed."""
    actions.require(by, STATUS_PAGE)
    changed = 0
    for form in forms:
        if form.has_changed():
            actions.save_form(form, by=by, section=STATUS_PAGE)
            changed += 1
    return changed
