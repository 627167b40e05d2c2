"""Saving and ordering knowledge-base categories from the settings area; audited."""

from __future__ import annotations

from django.db import transaction

from loket.accounts.models import User
from loket.kb import actions as kb_actions
from loket.kb.models import Category
from loket.setup import actions, audit
from loket.setup.forms_kb import CategoryForm
from loket.setup.sections import KB_CATEGORIES


@transaction.atomic
def save_category(form: CategoryForm, *, by: User) -> Category:
    """The category and its names per language (the names' changes are in the same audit
    row as the other fields': ``name_nl: old → new``)."""
    names = form.names()

    def write_names(category: Category) -> None:
        kb_actions.set_category_names(category, names, by=by)

    return actions.save_form(form, by=by, section=KB_CATEGORIES, after=write_names)


@transaction.atomic
def move_category(category: Category, step: int, *, by: User) -> None:
    actions.require(by, KB_CATEGORIES)
    before, after = kb_actions.move_category(category, step, by=by)
    if before != after:
        audit.record(
            by, audit.CHANGED, KB_CATEGORIES.key, category, changes={"position": [before, after]}
        )
