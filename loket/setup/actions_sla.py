"""Saving SLA policies with their targets, and business calendars; audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from loket.accounts.models import User
from loket.setup import actions, audit
from loket.setup.forms_sla import PolicyForm, TargetsForm
from loket.setup.sections import CALENDARS, SLA
from loket.sla.actions import save_calendar as sla_save_calendar
from loket.sla.models import BusinessCalendar, Policy, Target

KINDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


@transaction.atomic
def save_policy(form: PolicyForm, targets: TargetsForm, *, by: User) -> Policy:
    policy = actions.save_form(form, by=by, section=SLA)
    existing = {t.priority: t for t in policy.targets.all()}
    changes: dict[str, Any] = {}
    for priority, values in targets.values().items():
        found = existing.get(priority)
        before = (
            {k: getattr(found, k) for k in KINDS} if found is not None else dict.fromkeys(KINDS)
        )
        if before == values:
            continue
        changes[str(priority)] = [before, values]
        if all(v is None for v in values.values()):
            if found is not None:
                found.delete()
            continue
        Target.objects.update_or_create(policy=policy, priority=priority, defaults=values)
    if changes:
        audit.record(by, audit.CHANGED, SLA.key, policy, changes={"targets": changes})
    return policy


@transaction.atomic
def save_calendar(
    calendar: BusinessCalendar | None, name: str, spec: dict[str, Any], *, by: User
) -> BusinessCalendar:
    """Through the SLA app's action (which recomputes the due times of open tickets)."""
    actions.require(by, CALENDARS)
    creating = calendar is None
    target = calendar or BusinessCalendar(name=name)
    before = {"name": target.name, "spec": dict(target.spec or {})} if not creating else {}
    target.name = name
    saved = sla_save_calendar(target, spec, by=by)
    after = {"name": name, "spec": spec}
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if creating:
        audit.record(by, audit.CREATED, CALENDARS.key, saved, changes=changes)
    elif changes:
        audit.record(by, audit.CHANGED, CALENDARS.key, saved, changes=changes)
    return saved
