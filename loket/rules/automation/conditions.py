"""Conditions: a registry of ticket properties, the operators each allows, and compiling a
rule's stored conditions into one fast predicate (validated when the rule is saved).

A property is registered by name with ``register``; later apps add theirs (custom fields,
organisation kinds, the customer's mood) without touching the engine. A stored condition is
``{"property": name, "op": operator, "value": ...}``: ``value`` is a list of strings for the
choice operators (``is``/``is_not``: any of them), a string for the text operators.

Patterns (``matches``) use the ``regex`` module with a time limit, on at most
``TEXT_LIMIT`` characters; a pattern is refused when saved if it does not compile, is too
long, or already runs out of time on a test string made to provoke backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import (
    STAFF_ROLES,
    Formality,
    Organisation,
    OrganisationTier,
    Team,
    Tier,
    User,
)
from loket.lib import memo
from loket.rules.automation.facts import Facts
from loket.tickets.models import Channel, EventKind, Priority, State

TEXT_LIMIT = 20_000
PATTERN_LIMIT = 300
PATTERN_TIMEOUT_S = 0.05

Predicate = Callable[[Facts], bool]

# Properties that may cost a query to read (higher: tried later within a rule).
COSTLY: dict[str, int] = {
    "organisation_tier": 1,
    "register": 1,
    "time": 1,
    "tags": 2,
    "body": 3,
    "text": 3,
}
Choices = Callable[[], Sequence[tuple[str, str]]]


class RuleRuntimeError(RuntimeError):
    """A condition or action that cannot run (a pattern too slow, a team gone): the rule is
    switched off with this reason."""


OPS: dict[str, Promise] = {
    "is": gettext_lazy("is"),
    "is_not": gettext_lazy("is not"),
    "contains": gettext_lazy("contains the words"),
    "not_contains": gettext_lazy("does not contain the words"),
    "matches": gettext_lazy("matches the pattern"),
    "not_matches": gettext_lazy("does not match the pattern"),
    "gte": gettext_lazy("is at least"),
    "lte": gettext_lazy("is at most"),
    "has": gettext_lazy("has"),
    "has_not": gettext_lazy("does not have"),
    "open": gettext_lazy("is within the opening hours of"),
    "closed": gettext_lazy("is outside the opening hours of"),
    "gt": gettext_lazy("is more than"),
    "lt": gettext_lazy("is less than"),
    "after": gettext_lazy("is after"),
    "before": gettext_lazy("is before"),
    "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is not empty"),
}

CHOICE_OPS = ("is", "is_not")
TEXT_OPS = ("contains", "not_contains", "matches", "not_matches")
ORDER_OPS = ("is", "is_not", "gte", "lte")
TAG_OPS = ("has", "has_not")
CALENDAR_OPS = ("open", "closed")
EMPTY_OPS = ("empty", "not_empty")  # the value is not used


@dataclass(frozen=True)
class Property:
    name: str
    label: str | Promise
    ops: tuple[str, ...]
    read: Callable[[Facts], Any]
    choices: Choices | None = None  # None: free text
    many: bool = False  # ``read`` gives a list: "is" means any of them is one of the values
    # Its own compiler ``(op, value) -> Predicate`` (``ValidationError``), for properties whose
    # operators need more than the generic ones (custom fields); it may call ``compile_with``.
    compile: Callable[[str, Any], Predicate] | None = None


PROPERTIES: dict[str, Property] = {}


@dataclass(frozen=True)
class Family:
    """Properties named ``prefix:key`` made from rows an admin keeps (custom fields):
    ``find(key)`` gives the property (``ValidationError`` saying why there is none) and
    ``listing()`` the ones to offer in the edit form."""

    prefix: str
    find: Callable[[str], Property]
    listing: Callable[[], list[Property]]


FAMILIES: dict[str, Family] = {}


def register(prop: Property) -> None:
    PROPERTIES[prop.name] = prop


def register_family(family: Family) -> None:
    FAMILIES[family.prefix] = family


def find_property(name: str) -> Property | None:
    """The property ``name`` (``ValidationError`` for a family member that is gone)."""
    prefix, sep, key = name.partition(":")
    if sep and prefix in FAMILIES:
        return FAMILIES[prefix].find(key)
    return PROPERTIES.get(name)


def lookup_property(name: str) -> Property | None:
    """``find_property``, None instead of the error (for showing a stored rule)."""
    try:
        return find_property(name)
    except ValidationError:
        return None


def all_properties() -> list[Property]:
    found = list(PROPERTIES.values())
    for family in FAMILIES.values():
        found.extend(family.listing())
    return found


# --- reading properties -----------------------------------------------------------------------


def _org_tier(facts: Facts) -> str:
    organisation_id = facts.ticket.organisation_id
    if organisation_id is None:
        return ""
    return str(
        memo.remember(
            ("rules.org_tier", organisation_id),
            lambda: (
                Organisation.objects.filter(pk=organisation_id)
                .values_list("tier", flat=True)
                .first()
                or ""
            ),
        )
    )


def _register_of(facts: Facts) -> str:
    """ "formal", "informal" or "unknown": set by someone on the customer (wins), else what
    the assistant learned from their messages (as ``assist.actions.customer_register``)."""
    customer_id = facts.ticket.customer_id
    if customer_id is None:
        return "unknown"

    def read() -> str:
        from loket.assist.models import CustomerProfile

        manual = User.objects.filter(pk=customer_id).values_list("formality", flat=True).first()
        if manual in (Formality.FORMAL, Formality.INFORMAL):
            return str(manual)
        learned = (
            CustomerProfile.objects.filter(customer_id=customer_id)
            .values_list("register", flat=True)
            .first()
        )
        return str(learned) if learned in ("formal", "informal") else "unknown"

    return str(facts.remember("register", read))


def _registers() -> list[tuple[str, str]]:
    return [
        ("formal", str(Formality.FORMAL.label)),
        ("informal", str(Formality.INFORMAL.label)),
        ("unknown", str(Formality.UNKNOWN.label)),
    ]


def _compile_register(op: str, value: Any) -> Predicate:
    # Rules saved before "unknown" had a name stored it as "" (``Formality.UNKNOWN``).
    values = [v or "unknown" for v in _choices(value)] if op in CHOICE_OPS else value
    return compile_with(PROPERTIES["register"], op, values)


def _changed(facts: Facts) -> list[str]:
    return [str(e.kind) for e in facts.events()]


def _language(facts: Facts) -> str:
    return (facts.ticket.language or "").lower().split("-")[0]


def _text(facts: Facts) -> str:
    return f"{facts.ticket.subject}\n{facts.latest_customer_text()}"


def _id_or_empty(value: int | None) -> str:
    return "" if value is None else str(value)


def _teams() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Team.objects.order_by("name").values_list("pk", "name")]


def _agents() -> list[tuple[str, str]]:
    rows = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("display_name")
    return [("", _("nobody"))] + [(str(u.pk), u.name) for u in rows]


def _organisations() -> list[tuple[str, str]]:
    rows = Organisation.objects.order_by("name").values_list("pk", "name")
    return [("", _("none"))] + [(str(pk), name) for pk, name in rows[:2000]]


def _calendars() -> list[tuple[str, str]]:
    from loket.sla.models import BusinessCalendar

    return [(str(pk), n) for pk, n in BusinessCalendar.objects.values_list("pk", "name")]


def _languages() -> list[tuple[str, str]]:
    from django.conf import settings

    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _labelled(choices: Any) -> Choices:
    return lambda: [(str(value), str(label)) for value, label in choices]


def _changed_kinds() -> list[tuple[str, str]]:
    wanted = [
        EventKind.PRIORITY,
        EventKind.TEAM,
        EventKind.ASSIGNEE,
        EventKind.TAGS,
        EventKind.SUBJECT,
        EventKind.TIER,
        EventKind.ESCALATED,
        EventKind.FIELD,
    ]
    return [(str(k.value), str(k.label)) for k in wanted]


def _builtin() -> None:
    for prop in (
        Property("channel", gettext_lazy("Channel"), CHOICE_OPS, lambda f: f.ticket.channel,
                 _labelled(Channel.choices)),
        Property("state", gettext_lazy("State"), CHOICE_OPS, lambda f: f.ticket.state,
                 _labelled(State.choices)),
        Property("priority", gettext_lazy("Priority"), ORDER_OPS, lambda f: str(f.ticket.priority),
                 _labelled(Priority.choices)),
        Property("tier", gettext_lazy("Support tier"), ORDER_OPS, lambda f: str(f.ticket.tier),
                 _labelled(Tier.choices)),
        Property("team", gettext_lazy("Team"), CHOICE_OPS, lambda f: str(f.ticket.team_id), _teams),
        Property("assignee", gettext_lazy("Assignee"), CHOICE_OPS,
                 lambda f: _id_or_empty(f.ticket.assignee_id), _agents),
        Property("organisation", gettext_lazy("Organisation"), CHOICE_OPS,
                 lambda f: _id_or_empty(f.ticket.organisation_id), _organisations),
        Property("organisation_tier", gettext_lazy("Organisation's customer tier"), CHOICE_OPS,
                 _org_tier, lambda: [("", _("none")), *_labelled(OrganisationTier.choices)()]),
        Property("language", gettext_lazy("Language"), CHOICE_OPS, _language, _languages),
        Property("register", gettext_lazy("Customer's form of address"), CHOICE_OPS, _register_of,
                 _registers, compile=_compile_register),
        Property("subject", gettext_lazy("Subject"), TEXT_OPS, lambda f: f.ticket.subject),
        Property("body", gettext_lazy("Latest customer message"), TEXT_OPS,
                 lambda f: f.latest_customer_text()),
        Property("text", gettext_lazy("Subject or latest customer message"), TEXT_OPS, _text),
        Property("tags", gettext_lazy("Tags"), TAG_OPS, lambda f: f.tags()),
        Property("time", gettext_lazy("Time of the change"), CALENDAR_OPS, lambda f: f.now,
                 _calendars),
        Property("changed", gettext_lazy("What changed"), CHOICE_OPS, _changed, _changed_kinds,
                 many=True),
    ):  # fmt: skip
        register(prop)


_builtin()


# --- compiling --------------------------------------------------------------------------------


def _words(value: Any) -> list[str]:
    items = [str(v) for v in value] if isinstance(value, list) else str(value or "").split(",")
    return [w.strip().casefold() for w in items if w.strip()]


def _choices(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value or "").split(",")]


def compile_pattern(pattern: str) -> Any:
    """The compiled pattern, or ``ValidationError`` saying why it is refused."""
    if not pattern:
        raise ValidationError(_("A pattern is required."))
    if len(pattern) > PATTERN_LIMIT:
        raise ValidationError(
            _("The pattern is too long (at most %(n)s characters).") % {"n": PATTERN_LIMIT}
        )
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except regex.error as exc:
        raise ValidationError(
            _("The pattern is not valid: %(error)s") % {"error": str(exc)}
        ) from None
    probe = "a" * 3000 + "!" + "0" * 3000 + "\n" + " " * 1000 + "x"
    try:
        compiled.search(probe, timeout=PATTERN_TIMEOUT_S * 2)
    except TimeoutError:
        raise ValidationError(
            _("The pattern is too slow (it backtracks too much); make it simpler.")
        ) from None
    return compiled


def _match(compiled: Any, text: str) -> bool:
    try:
        return compiled.search(text[:TEXT_LIMIT], timeout=PATTERN_TIMEOUT_S) is not None
    except TimeoutError:
        raise RuleRuntimeError(
            _("The pattern %(pattern)s took too long on a ticket's text.")
            % {"pattern": compiled.pattern}
        ) from None


def _word_test(words: list[str]) -> Callable[[str], bool]:
    # Escaped words only: the standard library's engine is quicker here, and safe.
    patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)") for w in words]

    def test(text: str) -> bool:
        folded = text[:TEXT_LIMIT].casefold()
        return any(w in folded and p.search(folded) for w, p in zip(words, patterns, strict=True))

    return test


def _calendar_open(calendar_id: int) -> Callable[[Any], bool]:
    from loket.sla import calendars
    from loket.sla.models import BusinessCalendar

    def test(now: Any) -> bool:
        row = memo.remember(
            ("rules.calendar", calendar_id),
            lambda: BusinessCalendar.objects.filter(pk=calendar_id).first(),
        )
        if row is None:
            raise RuleRuntimeError(_("The business calendar of a condition was deleted."))
        return calendars.is_open(row.calendar(), now)

    return test


def _check_choices(prop: Property, values: list[str]) -> None:
    if prop.choices is None or prop.name in ("language",):
        return
    known = {value for value, _label in prop.choices()}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValidationError(
            _("%(property)s: unknown or deleted value %(value)s.")
            % {"property": prop.label, "value": ", ".join(unknown)}
        )


def compile_condition(condition: Any) -> Predicate:
    """One stored condition as a predicate; ``ValidationError`` with the reason if it is not
    usable (unknown property or operator, a bad pattern, a deleted team)."""
    if not isinstance(condition, dict):
        raise ValidationError(_("A condition must be a property, an operator and a value."))
    name = str(condition.get("property", ""))
    op = str(condition.get("op", ""))
    value = condition.get("value", "")
    prop = find_property(name)
    if prop is None:
        raise ValidationError(_("Unknown property: %(name)s") % {"name": name})
    if op not in prop.ops:
        raise ValidationError(
            _("%(property)s cannot be compared with “%(op)s”.") % {"property": prop.label, "op": op}
        )
    if prop.compile is not None:
        return prop.compile(op, value)
    return compile_with(prop, op, value)


def compile_with(prop: Property, op: str, value: Any) -> Predicate:
    """The generic operators on ``prop`` (its ``compile`` is not used)."""
    read = prop.read
    if op in CHOICE_OPS and prop.choices is not None:
        wanted = set(_choices(value))
        if not wanted:
            raise ValidationError(_("%(property)s: choose a value.") % {"property": prop.label})
        _check_choices(prop, sorted(wanted))
        if prop.many:
            if op == "is":
                return lambda f: bool(wanted & set(read(f)))
            return lambda f: not (wanted & set(read(f)))
        if op == "is":
            return lambda f: str(read(f)) in wanted
        return lambda f: str(read(f)) not in wanted
    if op in ("gte", "lte"):
        try:
            bound = int(str(value).strip())
        except ValueError:
            raise ValidationError(
                _("%(property)s: a number is needed.") % {"property": prop.label}
            ) from None
        if op == "gte":
            return lambda f: int(read(f)) >= bound
        return lambda f: int(read(f)) <= bound
    if op in ("contains", "not_contains"):
        words = _words(value)
        if not words:
            raise ValidationError(
                _("%(property)s: give at least one word.") % {"property": prop.label}
            )
        test = _word_test(words)
        if op == "contains":
            return lambda f: test(str(read(f)))
        return lambda f: not test(str(read(f)))
    if op in ("matches", "not_matches"):
        compiled = compile_pattern(str(value))
        if op == "matches":
            return lambda f: _match(compiled, str(read(f)))
        return lambda f: not _match(compiled, str(read(f)))
    if op in TAG_OPS:
        tags = set(_words(value))
        if not tags:
            raise ValidationError(_("Tags: give at least one tag."))
        if op == "has":
            return lambda f: bool(tags & set(read(f)))
        return lambda f: not (tags & set(read(f)))
    if op in CALENDAR_OPS:
        try:
            calendar_id = int(str(value).strip())
        except ValueError:
            raise ValidationError(_("Choose a business calendar.")) from None
        _check_choices(prop, [str(calendar_id)])
        is_open = _calendar_open(calendar_id)
        if op == "open":
            return lambda f: is_open(read(f))
        return lambda f: not is_open(read(f))
    # A free-text property with a choice operator (custom ones): plain equality.
    wanted_text = {v.casefold() for v in _choices(value)}
    if op == "is":
        return lambda f: str(read(f)).casefold() in wanted_text
    return lambda f: str(read(f)).casefold() not in wanted_text


def _cost(name: str) -> int:
    prefix, sep, _key = name.partition(":")
    return COSTLY.get(name, COSTLY.get(f"{prefix}:", 0) if sep else 0)


def compile_all(conditions: Any, *, match_all: bool) -> Predicate:
    """All of a rule's conditions as one predicate, evaluated in their stored order (the
    cheap ones first is the author's choice; evaluation stops at the first decision)."""
    if not isinstance(conditions, list):
        raise ValidationError(_("The conditions must be a list."))
    # Conditions that need a query (the message text, the tags) are tried after those read
    # from the ticket itself: for pure conditions the order does not change the answer, and
    # a cheap one that already decides saves the query.
    ordered = sorted(conditions, key=lambda c: _cost(str(c.get("property")))
                     if isinstance(c, dict) else 0)  # fmt: skip
    predicates = [compile_condition(c) for c in ordered]
    if not predicates:
        return lambda f: True
    if match_all:
        return lambda f: all(p(f) for p in predicates)
    return lambda f: any(p(f) for p in predicates)


def describe(condition: dict[str, Any]) -> str:
    """A condition in words, for the rule list."""
    prop = lookup_property(str(condition.get("property", "")))
    if prop is None:
        return str(condition.get("property", "?"))
    op = str(OPS.get(str(condition.get("op", "")), condition.get("op", "")))
    value = condition.get("value", "")
    if prop.choices is not None and condition.get("op") in (
        *CHOICE_OPS,
        *ORDER_OPS,
        "open",
        "closed",
    ):
        labels = dict(prop.choices())
        shown = ", ".join(labels.get(v, v) for v in _choices(value))
    elif condition.get("op") in EMPTY_OPS:
        shown = ""
    else:
        shown = ", ".join(_choices(value)) if isinstance(value, list) else str(value)
    return f"{prop.label} {op} {shown}".strip()
