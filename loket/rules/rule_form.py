"""The rule edit form: its condition and action rows read from a POST and laid out for the
template (each row's operator and value widgets follow its property or action; htmx swaps a
row when the property changes, and the page works without it, checked when saved)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from loket.rules.automation.conditions import OPS, all_properties, lookup_property
from loket.rules.automation.effects import all_effects, lookup_effect
from loket.rules.models import Rule, Trigger
from loket.rules.rule_actions import RuleData

BLANK_ROWS = 2


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False


@dataclass
class Row:
    index: int
    name: str  # the chosen property or action kind
    names: list[Option]
    ops: list[Option] = field(default_factory=list)
    choices: list[Option] | None = None  # None: a text value
    text: str = ""
    multiple: bool = False


def condition_row(index: int, condition: dict[str, Any] | None = None) -> Row:
    condition = condition or {}
    name = str(condition.get("property", ""))
    op = str(condition.get("op", ""))
    value = condition.get("value", "")
    prop = lookup_property(name) if name else None
    names = [Option("", "—")] + [
        Option(p.name, str(p.label), p.name == name) for p in all_properties()
    ]
    if name and prop is None:  # a custom field deleted since: shown, refused when saved
        names.append(Option(name, f"{name} (?)", True))
    ops = prop.ops if prop is not None else tuple(OPS)
    row = Row(index, name, names, [Option(o, str(OPS[o]), o == op) for o in ops])
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if prop is not None and prop.choices is not None:
        row.choices = [Option(v, label, v in values) for v, label in prop.choices()]
        row.multiple = "is" in prop.ops
    else:
        row.text = ", ".join(values) if isinstance(value, list) else str(value)
    return row


def effect_row(index: int, item: dict[str, Any] | None = None) -> Row:
    item = item or {}
    kind = str(item.get("kind", ""))
    value = str(item.get("value", ""))
    effect = lookup_effect(kind) if kind else None
    names = [Option("", "—")] + [
        Option(e.kind, str(e.label), e.kind == kind) for e in all_effects()
    ]
    if kind and effect is None:
        names.append(Option(kind, f"{kind} (?)", True))
    row = Row(index, kind, names)
    if effect is not None and effect.choices is not None:
        row.choices = [Option(v, label, v == value) for v, label in effect.choices()]
    else:
        row.text = value
    return row


def rows_for(rule: Rule | RuleData | None) -> tuple[list[Row], list[Row]]:
    conditions = list(rule.conditions) if rule is not None else []
    effects = list(rule.effects) if rule is not None else []
    c_rows = [condition_row(i, c) for i, c in enumerate(conditions)]
    c_rows += [condition_row(len(c_rows) + i) for i in range(BLANK_ROWS)]
    e_rows = [effect_row(i, e) for i, e in enumerate(effects)]
    e_rows += [effect_row(len(e_rows) + i) for i in range(BLANK_ROWS)]
    return c_rows, e_rows


def _indices(post: QueryDict, prefix: str) -> list[int]:
    found = set()
    for key in post:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            found.add(int(parts[1]))
    return sorted(found)[:50]


def read(post: QueryDict) -> RuleData:
    """The rule as posted (unchecked: ``rule_actions.check`` says what is wrong)."""
    conditions: list[dict[str, Any]] = []
    for i in _indices(post, "c"):
        name = post.get(f"c-{i}-property", "").strip()
        if not name:
            continue
        values = [v.strip() for v in post.getlist(f"c-{i}-value")]
        prop = lookup_property(name)
        op = post.get(f"c-{i}-op", "").strip()
        value: Any
        if prop is not None and prop.choices is not None and op in ("is", "is_not"):
            value = values
        else:
            value = values[0] if values else ""
        conditions.append({"property": name, "op": op, "value": value})
    effects: list[dict[str, Any]] = []
    for i in _indices(post, "a"):
        kind = post.get(f"a-{i}-kind", "").strip()
        if kind:
            effects.append({"kind": kind, "value": post.get(f"a-{i}-value", "").strip()})
    hours = post.get("wait_hours", "").strip()
    return RuleData(
        name=post.get("name", ""),
        description=post.get("description", ""),
        triggers=[t for t in post.getlist("triggers") if t],
        conditions=conditions,
        effects=effects,
        match_all=post.get("match", "all") != "any",
        wait_hours=int(hours) if hours.isdigit() and 0 < int(hours) < 100_000 else None,
    )


def triggers(chosen: list[str]) -> list[Option]:
    return [Option(str(v), str(label), v in chosen) for v, label in Trigger.choices]
