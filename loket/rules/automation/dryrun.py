""" "Test this rule": which of the latest tickets the rule would match and what it would change
there, changing nothing (conditions and the actions' ``plan`` only read).

The tickets' latest customer messages and tags are read in two bulk queries when the rule
looks at them, so 500 tickets take a handful of queries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from loket.rules.automation.compiled import compile_rule
from loket.rules.automation.facts import Facts
from loket.rules.models import Rule
from loket.tickets.models import Message, MessageKind, Ticket

LIMIT = 500
TEXT_PROPERTIES = {"body", "text"}


@dataclass
class Row:
    ticket: Ticket
    changes: list[str]


@dataclass
class Result:
    checked: int = 0
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""


def _bodies(ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    rows = (
        Message.objects.filter(ticket_id__in=ids, kind=MessageKind.CUSTOMER)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "body")
    )
    for ticket_id, body in rows:
        found[ticket_id] = body  # the latest wins
    return found


def _tags(ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    through = Ticket.tags.through.objects.filter(ticket_id__in=ids)
    for ticket_id, name in through.values_list("ticket_id", "tag__name"):
        found[ticket_id].append(name)
    return found


def dry_run(rule: Rule, *, limit: int = LIMIT, now: datetime | None = None) -> Result:
    started = time.perf_counter()
    now = now or timezone.now()
    result = Result()
    try:
        compiled = compile_rule(rule)
    except ValidationError as exc:
        result.error = "; ".join(exc.messages)
        return result
    trigger = sorted(compiled.triggers)[0] if compiled.triggers else ""
    properties = {str(c.get("property")) for c in rule.conditions if isinstance(c, dict)}
    kinds = {str(e.get("kind")) for e in rule.effects if isinstance(e, dict)}
    with transaction.atomic():
        tickets = list(Ticket.objects.order_by("-created_at", "-id")[:limit])
        ids = [t.pk for t in tickets]
        bodies = _bodies(ids) if properties & TEXT_PROPERTIES else {}
        tags = _tags(ids) if "tags" in properties or kinds & {"add_tags", "remove_tags"} else {}
        for ticket in tickets:
            facts = Facts(
                ticket,
                trigger=trigger,
                now=now,
                body=bodies.get(ticket.pk, "") if bodies or properties & TEXT_PROPERTIES else None,
                tag_names=tags.get(ticket.pk) if tags else None,
            )
            try:
                hit = compiled.predicate(facts)
            except Exception as exc:
                result.error = str(exc)
                break
            if hit:
                changes = [p for e, v in compiled.effects if (p := e.plan(facts, v))]
                result.rows.append(Row(ticket, changes))
        result.checked = len(tickets)
        transaction.set_rollback(True)  # only reads; and should anything write, it is undone
    result.seconds = time.perf_counter() - started
    return result
