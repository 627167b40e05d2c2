"""Every change to an automation rule goes through here: admins only, checked before it is
stored (a bad pattern, a deleted team, an unknown action: refused with the reason)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.rules.automation.conditions import compile_all
from loket.rules.automation.effects import check_all
from loket.rules.models import Rule, Trigger


@dataclass
class RuleData:
    name: str
    triggers: list[str]
    conditions: list[dict[str, Any]]
    effects: list[dict[str, Any]]
    match_all: bool = True
    description: str = ""
    wait_hours: int | None = None


def _require_admin(by: User) -> None:
    if not (by.is_active and by.is_admin):
        raise PermissionDenied(_("Only admins may change automation rules."))


def check(data: RuleData) -> None:
    """``ValidationError`` naming what is wrong, or nothing."""
    if not data.name.strip():
        raise ValidationError(_("A rule needs a name."))
    if not data.triggers:
        raise ValidationError(_("Choose when the rule runs."))
    unknown = [t for t in data.triggers if t not in Trigger.values]
    if unknown:
        raise ValidationError(_("Unknown trigger: %(t)s") % {"t": ", ".join(unknown)})
    if Trigger.TIMED in data.triggers and not data.wait_hours:
        raise ValidationError(_("A time-based rule needs the hours a ticket waits."))
    compile_all(data.conditions, match_all=data.match_all)
    check_all(data.effects)


def _apply(rule: Rule, data: RuleData) -> None:
    rule.name = data.name.strip()[:120]
    rule.description = data.description.strip()[:300]
    rule.triggers = list(dict.fromkeys(data.triggers))
    rule.conditions = data.conditions
    rule.effects = data.effects
    rule.match_all = data.match_all
    rule.wait_hours = data.wait_hours if Trigger.TIMED in data.triggers else None


@transaction.atomic
def create(data: RuleData, *, by: User) -> Rule:
    _require_admin(by)
    check(data)
    last = Rule.objects.aggregate(m=Max("position"))["m"]
    rule = Rule(created_by=by, position=(last or 0) + 10)
    _apply(rule, data)
    rule.save()
    return rule


@transaction.atomic
def update(rule: Rule, data: RuleData, *, by: User) -> Rule:
    _require_admin(by)
    check(data)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    _apply(rule, data)
    _touch(rule)
    rule.save()
    return rule


def _touch(rule: Rule) -> None:
    rule.version += 1
    rule.updated_at = timezone.now()


@transaction.atomic
def set_enabled(rule: Rule, enabled: bool, *, by: User) -> Rule:
    """Switching on checks the rule again (a team it moves tickets to may be gone)."""
    _require_admin(by)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if enabled:
        check(
            RuleData(
                name=rule.name, triggers=list(rule.triggers), conditions=list(rule.conditions),
                effects=list(rule.effects), match_all=rule.match_all, wait_hours=rule.wait_hours,
            )
        )  # fmt: skip
        rule.disabled_reason = ""
        rule.disabled_at = None
    rule.enabled = enabled
    _touch(rule)
    rule.save()
    return rule


@transaction.atomic
def move(rule: Rule, *, up: bool, by: User) -> None:
    """Swaps the rule with its neighbour in the order."""
    _require_admin(by)
    rules = list(Rule.objects.select_for_update().order_by("position", "id"))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    now = timezone.now()
    for position, item in enumerate(rules, start=1):
        if item.position != position * 10:
            Rule.objects.filter(pk=item.pk).update(position=position * 10, updated_at=now)


@transaction.atomic
def delete(rule: Rule, *, by: User) -> None:
    _require_admin(by)
    Rule.objects.filter(pk=rule.pk).delete()
