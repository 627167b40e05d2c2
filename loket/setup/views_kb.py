"""Knowledge-base categories in the settings area: a tree in order, names per language,
moving up and down, and deleting only what no article or sub-category uses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import signed_in_agent
from loket.kb.models import Category
from loket.setup import actions_kb
from loket.setup.deleting import delete_or_explain
from loket.setup.forms_kb import CategoryForm, desk_languages, languages_in_order
from loket.setup.guard import section_required
from loket.setup.sections import KB_CATEGORIES


def _tree() -> list[dict[str, Any]]:
    """Every category, each under its parent, siblings by position."""
    found = list(
        Category.objects.prefetch_related("names")
        .annotate(n_articles=Count("articles", distinct=True))
        .order_by("position", "slug")
    )
    children: dict[int | None, list[Category]] = {}
    for category in found:
        children.setdefault(category.parent_id, []).append(category)
    own = desk_languages()
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        siblings = children.get(parent, [])
        for i, category in enumerate(siblings):
            names = {n.language: n.name for n in category.names.all()}
            rows.append(
                {"category": category, "depth": depth, "names": names,
                 "label": " · ".join(names[code] for code in own if code in names)
                 or next(iter(names.values()), category.slug),
                 "missing": [code for code in own if code not in names],
                 "first": i == 0, "last": i == len(siblings) - 1}
            )  # fmt: skip
            walk(category.pk, depth + 1)

    walk(None, 0)
    return rows


@section_required(KB_CATEGORIES)
def categories(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "setup/categories.html",
        {"rows": _tree(), "section": KB_CATEGORIES, "languages": desk_languages()},
    )


@section_required(KB_CATEGORIES)
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(Category, pk=pk) if pk is not None else None
    form = CategoryForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        actions_kb.save_category(form, by=signed_in_agent(request))
        messages.success(request, _("Category saved."))
        return redirect("setup:categories")
    title = found.name_in(request.LANGUAGE_CODE) if found is not None else _("New category")
    return render(
        request,
        "setup/category_form.html",
        {"form": form, "title": title, "section": KB_CATEGORIES, "object": found,
         "languages": languages_in_order(), "delete_url": "setup:category_delete"},
    )  # fmt: skip


@section_required(KB_CATEGORIES)
@require_POST
def category_move(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    step = -1 if request.POST.get("direction") == "up" else 1
    actions_kb.move_category(category, step, by=signed_in_agent(request))
    return redirect("setup:categories")


@section_required(KB_CATEGORIES)
@require_POST
def category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    return delete_or_explain(
        request,
        category,
        section=KB_CATEGORIES,
        in_use=_(
            "Articles or sub-categories are still in this category; move them to another "
            "category first."
        ),
        done=_("Category deleted."),
        edit_url="setup:category",
        list_url="setup:categories",
    )
