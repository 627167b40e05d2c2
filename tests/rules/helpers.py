"""Making rules in tests, as an admin would through ``rule_actions``."""

from __future__ import annotations

from typing import Any

from loket.accounts.models import User
from loket.rules import rule_actions
from loket.rules.models import Rule
from loket.rules.rule_actions import RuleData


def make_rule(
    by: User,
    name: str,
    *,
    triggers: list[str] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    effects: list[dict[str, Any]] | None = None,
    match_all: bool = True,
    wait_hours: int | None = None,
) -> Rule:
    return rule_actions.create(
        RuleData(
            name=name,
            triggers=triggers or ["created"],
            conditions=conditions or [],
            effects=effects or [],
            match_all=match_all,
            wait_hours=wait_hours,
        ),
        by=by,
    )


def cond(prop: str, op: str, value: Any) -> dict[str, Any]:
    return {"property": prop, "op": op, "value": value}


def act(kind: str, value: Any = "") -> dict[str, Any]:
    return {"kind": kind, "value": str(value)}
