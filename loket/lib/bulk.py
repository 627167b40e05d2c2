"""``bulk_create`` for the wide rows a bulk import writes by the hundred.

Django builds an INSERT field by field and row by row through its general query compiler;
for a batch of a hundred mail records, events or SLA clocks that compiling costs ten times
the database's own work. Here the statement is built once per model, column list and row
count, and each value goes through its field's own ``pre_save`` and ``get_db_prep_save``,
exactly the conversions ``bulk_create`` applies, so the rows written are the same. Anything
this fast path does not handle (expressions as values, database defaults, generated
columns, fields with their own placeholder) goes to ``bulk_create`` unchanged.

Like ``bulk_create`` it sends no signals and, where the database can return them, sets the
new primary keys on the objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DatabaseError, connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import NOT_PROVIDED, Field, Model
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)


def insert(objs: Sequence[M], batch_size: int = 500) -> None:
    """Inserts ``objs`` (all of one model, all new) like ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    opts = model._meta
    auto = opts.auto_field
    new_keys = auto is not None and all(obj.pk is None for obj in objs)
    fields = _fields(model, new_keys)
    plains = [_plain_types(field) for field in fields] if fields is not None else []
    if fields is None or (not new_keys and any(obj.pk is None for obj in objs)):
        model._default_manager.using(alias).bulk_create(objs, batch_size=batch_size)
        return
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    rows = [[field.pre_save(obj, True) for field in fields] for obj in objs]
    if any(hasattr(value, "resolve_expression") for row in rows for value in row):
        model._default_manager.using(alias).bulk_create(objs, batch_size=batch_size)
        return
    returning = new_keys and connection.features.can_return_rows_from_bulk_insert
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(list(fields), list(objs))))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            part = rows[start : start + size]
            params: list[Any] = []
            for row in part:
                for field, plain, value in zip(fields, plains, row, strict=True):
                    # A str for a text column, an int for an integer one (and so on) is what
                    # ``get_db_prep_save`` would return unchanged: it is passed as it is.
                    if value is None or type(value) in plain:
                        params.append(value)
                    else:
                        params.append(field.get_db_prep_save(value, connection))
            sql = _statement(connection, model, fields, len(part), returning)
            cursor.execute(sql, params)
            if returning:
                assert auto is not None
                for obj, (pk,) in zip(objs[start : start + size], cursor.fetchall(), strict=True):
                    setattr(obj, auto.attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


_TEXT = (models.CharField, models.TextField, models.EmailField, models.SlugField)
_INTEGER = (
    models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField,
    models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.PositiveBigIntegerField,
)  # fmt: skip


@cache
def _plain_types(field: Field[Any, Any]) -> tuple[type, ...]:
    """The value types this field stores as they are (exact classes only: a subclass may
    convert, and so may a field of a subclass)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if type(target) in _TEXT:
        return (str,)
    if type(target) in _INTEGER:
        return (int,)
    if type(target) is models.BooleanField:
        return (bool,)
    return ()


@cache
def _fields(model: type[Model], new_keys: bool) -> tuple[Field[Any, Any], ...] | None:
    fields = []
    for field in model._meta.concrete_fields:
        if new_keys and field is model._meta.auto_field:
            continue
        if (
            field.generated
            or field.db_default is not NOT_PROVIDED
            or hasattr(field, "get_placeholder")
        ):
            return None
        fields.append(field)
    return tuple(fields)


def _column(field: Field[Any, Any]) -> str:
    assert field.column is not None
    return field.column


_statements: dict[tuple[str, type[Model], tuple[Field[Any, Any], ...], int, bool], str] = {}


def _statement(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    fields: tuple[Field[Any, Any], ...],
    rows: int,
    returning: bool,
) -> str:
    key = (connection.vendor, model, fields, rows, returning)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(_column(field)) for field in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        table = quote(model._meta.db_table)
        # Only quoted names from the model's own metadata; every value is a parameter.
        sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row] * rows)  # noqa: S608
        if returning:
            auto = model._meta.auto_field
            assert auto is not None
            sql += f" RETURNING {table}.{quote(_column(auto))}"
        _statements[key] = sql
    return sql


def create(obj: M) -> M:
    """``obj.save()`` for a new row, with its INSERT compiled once per model (``insert``);
    ``pre_save`` and ``post_save`` are sent as ``save`` sends them."""
    model = type(obj)
    alias = router.db_for_write(model)
    if not connections[alias].features.can_return_rows_from_bulk_insert:
        obj.save(force_insert=True)
        return obj
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    insert([obj])
    post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
    )
    return obj


_updates: dict[tuple[str, type[Model], tuple[str, ...]], tuple[str, list[Field[Any, Any]]]] = {}


def _update_statement(
    connection: BaseDatabaseWrapper, model: type[Model], names: tuple[str, ...]
) -> tuple[str, list[Field[Any, Any]]]:
    quote = connection.ops.quote_name
    fields: list[Field[Any, Any]] = []
    for name in names:
        field = model._meta.get_field(name)
        if (
            not isinstance(field, Field)
            or not field.concrete
            or field.many_to_many
            or field.column is None
            or field.primary_key
        ):
            raise ValueError(f"{model.__name__}.{name} is not a column to update")
        fields.append(field)
    pk = model._meta.pk
    assert pk is not None
    columns = ", ".join(f"{quote(_column(field))} = %s" for field in fields)
    table = quote(model._meta.db_table)
    where = quote(_column(pk))
    return f"UPDATE {table} SET {columns} WHERE {where} = %s", fields  # noqa: S608 (as above)


def _compiled_update(
    model: type[Model], names: tuple[str, ...]
) -> tuple[str, BaseDatabaseWrapper, str, list[Field[Any, Any]]]:
    """The database alias and connection for writing ``model``, and its UPDATE of ``names``
    (compiled once per database vendor, model and fields)."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    key = (connection.vendor, model, names)
    compiled = _updates.get(key)
    if compiled is None:
        compiled = _updates[key] = _update_statement(connection, model, names)
    sql, fields = compiled
    return alias, connection, sql, fields


def update_many(objs: Sequence[Model], *names: str) -> None:
    """``save(update_fields=names)`` of every one of ``objs`` (all of one model, all stored)
    in one ``executemany`` of the UPDATE ``save_fields`` compiles; like ``bulk_update`` it
    sends no signals."""
    if not objs:
        return
    model = type(objs[0])
    alias, connection, sql, fields = _compiled_update(model, names)
    pk = model._meta.pk
    assert pk is not None
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields]
        + [pk.get_db_prep_value(obj.pk, connection)]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    for obj in objs:
        obj._state.db = alias


def save_fields(obj: Model, *names: str) -> None:
    """``obj.save(update_fields=names)``, with its UPDATE compiled once per model and fields;
    ``pre_save`` and ``post_save`` are sent as ``save`` sends them."""
    model = type(obj)
    alias, connection, sql, fields = _compiled_update(model, names)
    frozen = frozenset(names)
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=frozen)
    params = [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in fields]
    pk = model._meta.pk
    assert pk is not None
    params.append(pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = alias
    post_save.send(
        sender=model, instance=obj, created=False, update_fields=frozen, raw=False, using=alias
    )
