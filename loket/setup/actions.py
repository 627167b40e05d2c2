"""Saving and deleting settings objects: validated by their form, permission-checked,
audited in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from loket.accounts.models import User
from loket.lib.settings_menu import Section, may_open
from loket.setup import audit

M = TypeVar("M", bound=models.Model)


def require(by: User, section: Section) -> None:
    if not (by.is_active and may_open(by, section)):
        raise PermissionDenied(_("You may not change these settings."))


@transaction.atomic
def save_form(
    form: forms.ModelForm[M],
    *,
    by: User,
    section: Section,
    secrets: Iterable[str] = (),
    after: Callable[[M], Any] | None = None,
) -> M:
    """Saves a valid model form and writes what changed to the audit log."""
    require(by, section)
    creating = form.instance.pk is None
    # A new object is compared with its defaults (a blank form's initial values).
    before: dict[str, Any] = dict(form.initial) if creating else {}
    if not creating:
        # The form has already put the new values on the instance: read the stored ones.
        # Form-only fields (names per language kept in rows of their own) were given their
        # stored values as the form's initial ones.
        stored = type(form.instance)._default_manager.get(pk=form.instance.pk)
        before = {**form.initial, **audit.snapshot(stored, form.fields)}
    changes = audit.form_changes(form, before, secrets)
    saved = form.save()
    if after is not None:
        after(saved)
    if creating:
        audit.record(by, audit.CREATED, section.key, saved, changes=changes)
    elif changes:
        audit.record(by, audit.CHANGED, section.key, saved, changes=changes)
    return saved


@transaction.atomic
def delete(instance: models.Model, *, by: User, section: Section) -> None:
    require(by, section)
    label = str(instance)
    pk = instance.pk
    instance.delete()
    audit.record(by, audit.DELETED, section.key, label, pk=pk)
