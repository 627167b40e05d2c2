"""Conditions, one property and operator at a time, on tickets in memory (no rule saved);
save-time refusals; and the property test that evaluation order is deterministic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.accounts.models import Organisation, OrganisationTier, Team, Tier, User
from loket.rules.automation.compiled import Compiled, in_order
from loket.rules.automation.conditions import compile_condition, compile_pattern
from loket.rules.automation.facts import Facts
from loket.tickets.models import Channel, EventKind, Priority, State, Ticket
from tests.rules.helpers import cond


def _facts(**kw: Any) -> Facts:
    body = kw.pop("body", "")
    tags = kw.pop("tags", [])
    now = kw.pop("now", datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    event = kw.pop("event", None)
    ticket = Ticket(
        pk=1,
        subject=kw.pop("subject", "Hello"),
        channel=kw.pop("channel", "email"),
        state=kw.pop("state", "new"),
        priority=kw.pop("priority", 2),
        tier=1,
        team_id=kw.pop("team_id", 1),
        language=kw.pop("language", "nl"),
        **kw,
    )
    return Facts(ticket, body=body, tag_names=tags, now=now, event=event)


def _holds(condition: dict[str, Any], facts: Facts) -> bool:
    return compile_condition(condition)(facts)


@pytest.mark.django_db
def test_choice_properties() -> None:
    facts = _facts(channel=Channel.EMAIL, state=State.OPEN, language="nl-BE")
    assert _holds(cond("channel", "is", ["email", "web"]), facts)
    assert not _holds(cond("channel", "is_not", ["email"]), facts)
    assert _holds(cond("state", "is", ["open"]), facts)
    assert _holds(cond("language", "is", ["nl"]), facts)
    assert not _holds(cond("language", "is", ["en"]), facts)


@pytest.mark.django_db
def test_priority_compares_as_a_number() -> None:
    facts = _facts(priority=Priority.HIGH)
    assert _holds(cond("priority", "gte", "3"), facts)
    assert not _holds(cond("priority", "gte", "4"), facts)
    assert _holds(cond("priority", "lte", "3"), facts)
    assert _holds(cond("priority", "is", ["3"]), facts)


@pytest.mark.django_db
def test_words_match_whole_words_case_insensitive() -> None:
    facts = _facts(subject="Uitbetaling te laat", body="Where is my PAYOUT?")
    assert _holds(cond("text", "contains", "payout"), facts)
    assert _holds(cond("subject", "contains", "uitbetaling, factuur"), facts)
    assert not _holds(cond("subject", "contains", "betaling"), facts)  # part of a word
    assert _holds(cond("body", "not_contains", "invoice"), facts)


@pytest.mark.django_db
def test_patterns() -> None:
    facts = _facts(subject="Order #12345 missing")
    assert _holds(cond("subject", "matches", r"#\d{5}\b"), facts)
    assert not _holds(cond("subject", "matches", r"^refund"), facts)
    assert _holds(cond("subject", "not_matches", r"^refund"), facts)


@pytest.mark.django_db
def test_tags() -> None:
    facts = _facts(tags=["vip", "banner"])
    assert _holds(cond("tags", "has", "banner, other"), facts)
    assert not _holds(cond("tags", "has_not", "vip"), facts)


def test_the_organisation_and_its_tier(db: None) -> None:
    org = Organisation.objects.create(name="Ads", tier=OrganisationTier.ADVERTISER)
    facts = _facts(organisation_id=org.pk)
    assert _holds(cond("organisation_tier", "is", ["advertiser"]), facts)
    assert _holds(cond("organisation", "is", [str(org.pk)]), facts)
    assert _holds(cond("organisation_tier", "is", [""]), _facts())


def test_team_and_assignee(db: None) -> None:
    team = Team.objects.create(name="Billing", tier=Tier.FIRST_LINE)
    agent = User.objects.create_user(email="a@x.test", password="x", role="agent")
    facts = _facts(team_id=team.pk, assignee_id=agent.pk)
    assert _holds(cond("team", "is", [str(team.pk)]), facts)
    assert _holds(cond("assignee", "is", [str(agent.pk)]), facts)
    assert _holds(cond("assignee", "is", [""]), _facts())  # nobody


def test_the_customers_register(db: None) -> None:
    customer = User.objects.create_user(email="c@x.test", password="x", formality="informal")
    assert _holds(cond("register", "is", ["informal"]), _facts(customer_id=customer.pk))


def test_time_of_day_against_the_business_calendar(db: None) -> None:
    from loket.sla.models import BusinessCalendar

    cal = BusinessCalendar.objects.create(
        name="Office",
        spec={"tz": "Europe/Amsterdam", "week": {"wed": [["09:00", "17:00"]]}},
    )
    inside = _facts(now=datetime(2026, 12, 2, 10, 0, tzinfo=UTC))  # Wed 11:00 local
    outside = _facts(now=datetime(2026, 12, 2, 20, 0, tzinfo=UTC))  # Wed 21:00 local
    assert _holds(cond("time", "open", str(cal.pk)), inside)
    assert not _holds(cond("time", "open", str(cal.pk)), outside)
    assert _holds(cond("time", "closed", str(cal.pk)), outside)


@pytest.mark.django_db
def test_what_changed() -> None:
    from loket.tickets.models import Event

    facts = _facts(event=Event(kind=EventKind.PRIORITY))
    assert _holds(cond("changed", "is", ["priority"]), facts)
    assert not _holds(cond("changed", "is", ["team"]), facts)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        (cond("subject", "matches", "(unclosed"), "not valid"),
        (cond("subject", "matches", "(a+)+$"), "too slow"),
        (cond("subject", "matches", "x" * 400), "too long"),
        (cond("nonsense", "is", ["x"]), "Unknown property"),
        (cond("subject", "gte", "3"), "cannot be compared"),
        (cond("channel", "is", ["fax"]), "unknown or deleted value"),
        (cond("team", "is", ["99999"]), "unknown or deleted value"),
        (cond("priority", "gte", "high"), "a number is needed"),
        (cond("text", "contains", " , "), "at least one word"),
        (cond("time", "open", "99999"), "unknown or deleted value"),
    ],
)
def test_bad_conditions_are_refused_with_the_reason(condition: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        compile_condition(condition)
    assert reason in " ".join(caught.value.messages)


def test_a_valid_pattern_compiles() -> None:
    assert compile_pattern(r"\border\s+#?\d+").search("Order 12")


# --- determinism -------------------------------------------------------------------------


def _rule(pk: int, position: int, wanted: str) -> Compiled:
    return Compiled(
        pk=pk, name=f"r{pk}", position=position, triggers=frozenset({"created"}),
        predicate=lambda f, w=wanted: w in f.ticket.subject, effects=(),
    )  # fmt: skip


rules_strategy = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", "c", "ab"])), min_size=1, max_size=12
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=rules_strategy, subject=st.text("abc ", max_size=6), seed=st.randoms())
def test_evaluation_order_is_deterministic(specs: list[Any], subject: str, seed: Any) -> None:
    """However the rules come out of the database, the same ones fire in the same order:
    by position, then id (positions may be equal)."""
    rules = [_rule(pk, position, wanted) for pk, (position, wanted) in enumerate(specs, start=1)]
    facts = _facts(subject=subject)

    def fired(candidates: list[Compiled]) -> list[int]:
        return [r.pk for r in in_order(candidates) if r.predicate(facts)]

    expected = fired(rules)
    shuffled = list(rules)
    seed.shuffle(shuffled)
    assert fired(shuffled) == expected
    keys = [(r.position, r.pk) for r in in_order(shuffled)]
    assert keys == sorted(keys)
