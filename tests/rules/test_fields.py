"""Checking custom field values: every field type with good, wrong-typed and hostile input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from loket.rules.fields import FieldErrors, FieldInvalid, clean_value, clean_values
from loket.rules.models_types import CustomField, FieldType
from loket.rules.types import fields_of
from tests.rules.conftest import Types


def field(kind: FieldType, *, required: bool = False, options: Any = None) -> CustomField:
    return CustomField(
        key="f", field_type=kind, required=required, labels={"en": "F"}, options=options or []
    )


SELECT_OPTIONS = [{"value": "top", "labels": {"en": "Top", "nl": "Boven"}}, {"value": "side"}]

GOOD: list[tuple[FieldType, Any, Any, str]] = [
    (FieldType.TEXT, "  hello  ", "hello", "hello"),
    (FieldType.LONG_TEXT, "line one\nline two", "line one\nline two", "line one\nline two"),
    (FieldType.NUMBER, 12, 12, "12"),
    (FieldType.NUMBER, "3.5", 3.5, "3.5"),
    (FieldType.NUMBER, -4, -4, "-4"),
    (FieldType.MONEY, "12.5", "12.50", "12.50"),
    (FieldType.MONEY, 100, "100.00", "100.00"),
    (FieldType.DATE, "2026-12-03", "2026-12-03", "2026-12-03"),
    (FieldType.DATE, date(2026, 1, 2), "2026-01-02", "2026-01-02"),
    (FieldType.SELECT, "top", "top", "top Top top Boven"),
    (FieldType.MULTI_SELECT, ["side", "top", "side"], ["side", "top"],
     "side side side side top Top top Boven"),
    (FieldType.CHECKBOX, True, True, "yes"),
    (FieldType.CHECKBOX, False, False, "no"),
    (FieldType.URL, "https://example.test/page?a=1", "https://example.test/page?a=1", "https://example.test/page?a=1"),
    (FieldType.FILE, {"name": "banner.png"}, {"name": "banner.png"}, "banner.png"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "raw", "value", "text"), GOOD)
def test_good_values_are_kept_in_their_type(
    kind: FieldType, raw: Any, value: Any, text: str
) -> None:
    clean = clean_value(field(kind, options=SELECT_OPTIONS), raw)
    assert clean is not None
    assert clean.value == value
    assert clean.text == text


BAD: list[tuple[FieldType, Any]] = [
    (FieldType.TEXT, 12),
    (FieldType.TEXT, ["a"]),
    (FieldType.TEXT, {"a": 1}),
    (FieldType.TEXT, "x" * 501),
    (FieldType.TEXT, "null\x00byte"),
    (FieldType.LONG_TEXT, "y" * 10_001),
    (FieldType.NUMBER, "twelve"),
    (FieldType.NUMBER, True),
    (FieldType.NUMBER, "NaN"),
    (FieldType.NUMBER, "Infinity"),
    (FieldType.NUMBER, float("inf")),
    (FieldType.NUMBER, "1e400"),
    (FieldType.NUMBER, [1]),
    (FieldType.MONEY, "12.345"),
    (FieldType.MONEY, "€12"),
    (FieldType.MONEY, False),
    (FieldType.DATE, "03-12-2026"),
    (FieldType.DATE, "2026-02-30"),
    (FieldType.DATE, 20261203),
    (FieldType.DATE, "2026-12-03'; DROP TABLE tickets_ticket; --"),
    (FieldType.SELECT, "middle"),
    (FieldType.SELECT, ["top"]),
    (FieldType.SELECT, 1),
    (FieldType.MULTI_SELECT, "top"),
    (FieldType.MULTI_SELECT, ["top", 3]),
    (FieldType.MULTI_SELECT, ["top", "<script>"]),
    (FieldType.MULTI_SELECT, ["top"] * 51),
    (FieldType.CHECKBOX, "yes"),
    (FieldType.CHECKBOX, 1),
    (FieldType.URL, "javascript:alert(1)"),
    (FieldType.URL, "ftp://example.test/"),
    (FieldType.URL, "not a url"),
    (FieldType.URL, 42),
    (FieldType.FILE, "banner.png"),
    (FieldType.FILE, {"name": 5}),
]


@pytest.mark.parametrize(("kind", "raw"), BAD)
def test_wrong_types_and_hostile_input_are_refused_naming_the_field(
    kind: FieldType, raw: Any
) -> None:
    with pytest.raises(FieldInvalid) as refused:
        clean_value(field(kind, options=SELECT_OPTIONS), raw)
    assert refused.value.key == "f"
    assert refused.value.message


@pytest.mark.parametrize("kind", list(FieldType))
def test_required_fields_refuse_emptiness_and_optional_ones_allow_it(kind: FieldType) -> None:
    empty: Any = False if kind == FieldType.CHECKBOX else None
    with pytest.raises(FieldInvalid):
        clean_value(field(kind, required=True, options=SELECT_OPTIONS), empty)
    for nothing in (None, "", []):
        if kind == FieldType.CHECKBOX and nothing == []:
            continue
        assert clean_value(field(kind, options=SELECT_OPTIONS), nothing) is None


def test_money_keeps_exact_cents() -> None:
    clean = clean_value(field(FieldType.MONEY), Decimal("0.10") + Decimal("0.20"))
    assert clean is not None and clean.value == "0.30"


def test_a_submission_lists_every_refused_field_and_unknown_keys(types: Types) -> None:
    # given the banner type's fields, when a submission has several problems
    with pytest.raises(FieldErrors) as refused:
        clean_values(
            fields_of(types.banner),
            {"site": "nope", "count": "many", "hacker": "1"},
        )
    # then each is named, the missing required select too
    assert set(refused.value.errors) == {"site", "count", "position", "hacker"}


def test_blanks_do_not_fill_a_required_text() -> None:
    with pytest.raises(FieldInvalid):
        clean_value(field(FieldType.TEXT, required=True), "   \n ")
    assert clean_value(field(FieldType.TEXT), "   ") is None
