"""The expand/contract rule for migrations (tests/migrations_rule/rule.py): every migration
newer than the recorded baseline keeps the previous release working while it runs."""

from __future__ import annotations

import pytest
from django.db import models
from django.db.migrations import Migration
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField, AlterField, CreateModel, RemoveField
from django.db.migrations.state import ProjectState

from tests.migrations_rule.rule import listed, problems


def _loader() -> MigrationLoader:
    return MigrationLoader(None, ignore_no_migrations=True)


def _ours(loader: MigrationLoader) -> list[tuple[str, str]]:
    return sorted(
        key for key, m in loader.disk_migrations.items() if type(m).__module__.startswith("loket.")
    )


def test_new_migrations_are_expand_only_unless_listed_as_contract() -> None:
    loader = _loader()
    baseline, contract = listed("baseline.txt"), listed("contract.txt")
    found: list[str] = []
    for app, name in _ours(loader):
        label = f"{app}.{name}"
        if label in baseline or label in contract:
            continue
        before = loader.project_state((app, name), at_end=False)
        found += problems(app, loader.disk_migrations[(app, name)], before)
    assert not found, "\n".join(found)


def test_the_baseline_and_contract_lists_name_real_migrations() -> None:
    known = {f"{a}.{n}" for a, n in _ours(_loader())}
    for name in ("baseline.txt", "contract.txt"):
        assert listed(name) <= known, f"{name}: {sorted(listed(name) - known)}"


def _state_with_widget() -> ProjectState:
    state = ProjectState()
    CreateModel(
        "Widget",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("name", models.CharField(max_length=10)),
            ("note", models.TextField(null=True)),
        ],
    ).state_forwards("shop", state)
    return state


def _migration(*operations: object) -> Migration:
    migration = Migration("0002_change", "shop")
    migration.operations = list(operations)
    return migration


def test_a_field_added_to_a_table_made_in_the_same_migration_is_fine() -> None:
    made = CreateModel("Gadget", [("id", models.BigAutoField(primary_key=True))])
    added = AddField("gadget", "widget", models.ForeignKey("shop.Widget", models.CASCADE))
    assert problems("shop", _migration(made, added), _state_with_widget()) == []


@pytest.mark.parametrize(
    ("operation", "flagged"),
    [
        (RemoveField("widget", "name"), "drops or renames"),
        (AddField("widget", "size", models.IntegerField(default=0)), "NOT NULL column"),
        (AlterField("widget", "note", models.TextField(default="")), "nullable column NOT NULL"),
        (AddField("widget", "size", models.IntegerField(null=True)), ""),
        (AddField("widget", "size", models.IntegerField(db_default=0)), ""),
        (AlterField("widget", "note", models.TextField(null=True, blank=True)), ""),
        (AlterField("widget", "name", models.CharField(max_length=20)), ""),
    ],
)
def test_the_rule_flags_what_breaks_the_previous_release(operation: object, flagged: str) -> None:
    found = problems("shop", _migration(operation), _state_with_widget())
    if flagged:
        assert len(found) == 1 and flagged in found[0], found
    else:
        assert found == []
