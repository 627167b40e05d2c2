"""Forms of the knowledge base: the agents' article editor, votes, and canned-reply texts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import STAFF_ROLES, User
from loket.kb.languages import KB_LANGUAGES
from loket.kb.macros import check_registers, unknown_variables
from loket.kb.models import Article, BodyFormat, Category, Status, Visibility


class ArticleForm(forms.Form):
    """One language of an article plus the settings all its languages share."""

    language = forms.ChoiceField(label=_("Language"), choices=KB_LANGUAGES)
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address (slug)"),
        max_length=120,
        required=False,
        allow_unicode=True,
        help_text=_("Empty: made from the title."),
    )
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False)
    body_format = forms.ChoiceField(label=_("Format"), choices=BodyFormat.choices)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 18, "id": "article-body"}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True),
        required=False,
    )
    review_due = forms.DateField(
        label=_("Review due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    related = forms.ModelMultipleChoiceField(
        label=_("Related articles"), queryset=Article.objects.all(), required=False
    )
    note = forms.CharField(label=_("Change note"), max_length=200, required=False)

    def __init__(self, *args: Any, fixed_language: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_language:
            self.fields["language"].disabled = True


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(
        label=_("What were you looking for?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MacroTextFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    """Both registers where a language has them; variables only from the allow-list."""

    def clean(self) -> None:
        super().clean()
        pairs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            pairs.append((data.get("language", ""), data.get("formality", "")))
            unknown = unknown_variables(data.get("body", ""))
            if unknown:
                raise forms.ValidationError(
                    _("Unknown variables: %(names)s") % {"names": ", ".join(unknown)}
                )
        errors = check_registers(pairs)
        if errors:
            raise forms.ValidationError(errors)
