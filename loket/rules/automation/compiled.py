"""The enabled rules, compiled once per process and reused until a rule changes.

Every rule save bumps its ``updated_at``; the stamp (how many enabled rules, the latest
``updated_at``) is one small query per ticket change (once per bulk import batch inside
``memo.batch``), and the compiled list is rebuilt only when it differs. Rules are always in
the same order: ``position``, then id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from loket.lib import memo
from loket.rules.automation.conditions import Predicate, compile_all
from loket.rules.automation.effects import Effect, find_effect
from loket.rules.models import Rule


@dataclass(frozen=True)
class Compiled:
    pk: int
    name: str
    position: int
    triggers: frozenset[str]
    predicate: Predicate
    effects: tuple[tuple[Effect, str], ...]
    wait_hours: int | None = None

    @property
    def changes_tags(self) -> bool:
        return any(effect.kind in ("add_tags", "remove_tags") for effect, _v in self.effects)

    @property
    def key(self) -> tuple[int, int]:
        return (self.position, self.pk)


@dataclass(frozen=True)
class Broken:
    pk: int
    reason: str


def in_order(rules: Iterable[Compiled]) -> list[Compiled]:
    return sorted(rules, key=lambda r: r.key)


def compile_rule(rule: Rule) -> Compiled:
    """``ValidationError`` when a condition or an action cannot be used."""
    effects = []
    for item in rule.effects if isinstance(rule.effects, list) else []:
        kind = str(item.get("kind", "")) if isinstance(item, dict) else ""
        effect = find_effect(kind)
        if effect is None:
            raise ValidationError(_("Unknown action: %(kind)s") % {"kind": kind})
        effects.append((effect, str(item.get("value", "")).strip()))
    triggers = rule.triggers if isinstance(rule.triggers, list) else []
    return Compiled(
        pk=rule.pk,
        name=rule.name,
        position=rule.position,
        triggers=frozenset(str(t) for t in triggers),
        predicate=compile_all(rule.conditions, match_all=rule.match_all),
        effects=tuple(effects),
        wait_hours=rule.wait_hours,
    )


_lock = threading.Lock()
_cache: dict[str, Any] = {"stamp": None, "rules": [], "broken": []}


def _stamp() -> tuple[int, Any]:
    found = Rule.objects.filter(enabled=True).aggregate(n=Count("id"), at=Max("updated_at"))
    return (int(found["n"] or 0), found["at"])


def enabled() -> tuple[list[Compiled], list[Broken]]:
    stamp = memo.remember("rules.stamp", _stamp)
    if stamp[0] == 0:
        return [], []
    with _lock:
        if _cache["stamp"] == stamp:
            return _cache["rules"], _cache["broken"]
    rules: list[Compiled] = []
    broken: list[Broken] = []
    for rule in Rule.objects.filter(enabled=True).order_by("position", "id"):
        try:
            rules.append(compile_rule(rule))
        except ValidationError as exc:
            broken.append(Broken(rule.pk, "; ".join(exc.messages)))
    with _lock:
        _cache.update(stamp=stamp, rules=rules, broken=broken)
    return rules, broken


def for_trigger(trigger: str) -> list[Compiled]:
    rules, _broken = enabled()
    return [r for r in rules if trigger in r.triggers]
