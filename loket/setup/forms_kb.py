"""Knowledge-base categories in the settings area: slug, parent, position, and a name and
description per language (``kb.CategoryName`` rows, one per language)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from loket.kb.languages import KB_LANGUAGES
from loket.kb.models import Category


def desk_languages() -> list[str]:
    """The knowledge-base languages the desk itself speaks (English, Dutch, Russian)."""
    kb = {code for code, _name in KB_LANGUAGES}
    return [code for code, _name in settings.LANGUAGES if code in kb]


def languages_in_order() -> list[tuple[str, Any]]:
    """The desk's own languages first, then the other knowledge-base languages."""
    own = desk_languages()
    names = dict(KB_LANGUAGES)
    return [(code, names[code]) for code in own] + [
        (code, name) for code, name in KB_LANGUAGES if code not in own
    ]


def names_of(category: Category | None) -> dict[str, tuple[str, str]]:
    """``{language: (name, description)}`` as stored."""
    if category is None or category.pk is None:
        return {}
    return {n.language: (n.name, n.description) for n in category.names.all()}


def descendants(category: Category) -> set[int]:
    """The ids of every category below ``category`` (a parent may not be one of them)."""
    found: set[int] = set()
    frontier = {category.pk}
    while frontier:
        below = set(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = below - found
        found |= below
    return found


class CategoryForm(forms.ModelForm[Category]):
    class Meta:
        model = Category
        fields = ("slug", "parent", "position")
        help_texts = {
            "slug": _("The category's address in the help centre. Empty: made from its name."),
            "position": _("Lower numbers come first."),
        }
        error_messages = {
            "slug": {"unique": _("Another category already has this slug: choose another.")}
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.empty_label = _("(none: a main category)")
        choices = Category.objects.all()
        if self.instance.pk is not None:
            choices = choices.exclude(pk__in={self.instance.pk, *descendants(self.instance)})
        parent.queryset = choices
        stored = names_of(self.instance)
        for code, language in languages_in_order():
            name, description = stored.get(code, ("", ""))
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name in %(language)s") % {"language": language},
                max_length=120,
                required=False,
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description in %(language)s") % {"language": language},
                max_length=300,
                required=False,
            )
            self.initial[f"name_{code}"] = name
            self.initial[f"description_{code}"] = description

    def names(self) -> dict[str, tuple[str, str]]:
        """The names and descriptions given, per language (languages without a name left out)."""
        data = self.cleaned_data
        found: dict[str, tuple[str, str]] = {}
        for code, _language in KB_LANGUAGES:
            name = " ".join(str(data.get(f"name_{code}") or "").split())
            if name:
                found[code] = (name, " ".join(str(data.get(f"description_{code}") or "").split()))
        return found

    def clean_slug(self) -> str:
        return slugify(str(self.cleaned_data.get("slug") or ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = self.names()
        for code, _language in KB_LANGUAGES:
            if data.get(f"description_{code}") and code not in given:
                self.add_error(f"name_{code}", _("A description needs a name in this language."))
        if not given:
            raise forms.ValidationError(_("Give the category a name in at least one language."))
        if not data.get("slug") and "slug" not in self.errors:
            source = given.get("en") or next(iter(given.values()))
            data["slug"] = slugify(source[0])[:80]
            if not data["slug"]:
                self.add_error("slug", _("Give a slug of letters a-z, digits and hyphens."))
                return data
        return data
