"""Expand/contract: a migration must leave the database usable by the code of the release
before it, because old nodes keep serving while ``loket migrate`` runs (docs/deploy-migrations.md).

So a new migration may not

* drop or rename a table or a column that the old code still reads or writes
  (``RemoveField``, ``DeleteModel``, ``RenameField``, ``RenameModel``, ``AlterModelTable``),
  unless it is listed in ``contract.txt`` with the release that stopped using it;
* add a column the old code does not know as NOT NULL without a database default: the old
  code's INSERTs leave it out and fail (``null=True``, or ``db_default=``);
* make an existing nullable column NOT NULL without a database default: the old code may
  still write NULL.
"""

from __future__ import annotations

from pathlib import Path

from django.db import models
from django.db.migrations import Migration
from django.db.migrations.operations import (
    AddField,
    AlterField,
    AlterModelTable,
    CreateModel,
    DeleteModel,
    RemoveField,
    RenameField,
    RenameModel,
)
from django.db.migrations.state import ProjectState
from django.db.models.fields import NOT_PROVIDED

HERE = Path(__file__).resolve().parent
DESTRUCTIVE = (RemoveField, DeleteModel, RenameField, RenameModel, AlterModelTable)


def listed(name: str) -> set[str]:
    """The names in ``HERE/name`` (first word of each line; ``#`` starts a comment)."""
    found = set()
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            found.add(line.split()[0])
    return found


def _is_column(field: models.Field) -> bool:  # type: ignore[type-arg]
    return field.concrete and not field.many_to_many and field.column is not None


def _needs_value(field: models.Field) -> bool:  # type: ignore[type-arg]
    """A NOT NULL column the database fills with nothing of its own."""
    return not field.null and field.db_default is NOT_PROVIDED


def problems(app: str, migration: Migration, before: ProjectState) -> list[str]:
    """What in ``migration`` would break the previous release's code, one line each."""
    found: list[str] = []
    label = f"{app}.{migration.name}"
    state = before.clone()
    created: set[str] = set()  # tables this migration makes: no old code writes to them
    for op in migration.operations:
        if isinstance(op, CreateModel):
            created.add(op.name_lower)
        if isinstance(op, DESTRUCTIVE):
            found.append(
                f"{label}: {op.describe()} drops or renames what the previous release uses; "
                "stop using it in one release, remove it in a later one (contract.txt)"
            )
        elif isinstance(op, AddField):
            field = op.field
            field.set_attributes_from_name(op.name)
            if op.model_name_lower not in created and _is_column(field) and _needs_value(field):
                found.append(
                    f"{label}: {op.describe()} adds a NOT NULL column without db_default; "
                    "the previous release's inserts would fail (null=True or db_default=)"
                )
        elif isinstance(op, AlterField):
            model = state.models.get((app, op.model_name_lower))
            old = model.fields.get(op.name) if model else None
            new = op.field
            if old is not None and old.null and not new.null and new.db_default is NOT_PROVIDED:
                found.append(
                    f"{label}: {op.describe()} makes a nullable column NOT NULL without "
                    "db_default; the previous release may still write NULL"
                )
        op.state_forwards(app, state)
    return found
