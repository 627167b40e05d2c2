"""Settings changes in the audit log (``accounts.AuditEntry``, beside the sign-in and role
events): who changed which object of which section, and each field before and after.

Secrets are never written: a changed password shows as "changed".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile

from loket.accounts.models import AuditEntry, User

CREATED = "setting_created"
CHANGED = "setting_changed"
DELETED = "setting_deleted"
HIDDEN = "changed"  # the value written for a secret field


def plain(value: Any) -> Any:
    """A JSON-safe, readable form of a form value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, FieldFile):
        return value.name or ""
    if hasattr(value, "name") and hasattr(value, "size") and not isinstance(value, models.Model):
        return str(value.name)  # an upload
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return sorted(str(plain(v)) for v in value)
    return str(value)


def form_changes(
    form: forms.BaseForm, before: dict[str, Any], secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """Each changed field: [before, after] (secrets: "changed")."""
    hidden = set(secrets)
    out: dict[str, Any] = {}
    for name in form.changed_data:
        if name not in form.cleaned_data:
            continue
        if name in hidden:
            if form.cleaned_data.get(name) != before.get(name):
                out[name] = HIDDEN
            continue
        old, new = plain(before.get(name)), plain(form.cleaned_data.get(name))
        if old != new:
            out[name] = [old, new]
    return out


def snapshot(instance: models.Model | None, names: Iterable[str]) -> dict[str, Any]:
    """The current values of ``names`` on ``instance`` (m2m as lists), before a form saves."""
    if instance is None or instance.pk is None:
        return {}
    values: dict[str, Any] = {}
    for name in names:
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue  # a form-only field (a "remove the stored password" box)
        if field.many_to_many:
            values[name] = list(getattr(instance, name).all())
        else:
            values[name] = getattr(instance, name, None)
    return values


def record(
    by: User,
    action: str,
    section: str,
    target: object,
    *,
    changes: dict[str, Any] | None = None,
    subject: User | None = None,
    **extra: Any,
) -> AuditEntry:
    data: dict[str, Any] = {"section": section, "object": str(target), **extra}
    if isinstance(target, models.Model):
        data["pk"] = target.pk
    if changes is not None:
        data["changes"] = changes
    return AuditEntry.objects.create(actor=by, subject=subject, action=action, data=data)
