"""The settings forms for request types, their fields and organisation kinds. Texts a customer
reads get one input per desk language (``name_en``, ``name_nl``, ...)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Organisation
from loket.rules.models_types import CustomField, FieldType, OrganisationKind, RequestType
from loket.rules.texts import languages

MAX_LISTED_ORGANISATIONS = 200
_OPTION_VALUE = re.compile(r"[a-z0-9_-]{1,50}")


def _add_texts(
    form: forms.ModelForm[Any], attr: str, label: Any, *, long: bool, required_en: bool
) -> None:
    stored = getattr(form.instance, attr) or {}
    for code, name in languages():
        widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput()
        form.fields[f"{attr}_{code}"] = forms.CharField(
            label=f"{label} ({name})",
            required=required_en and code == "en",
            max_length=4000 if long else 200,
            widget=widget,
            initial=stored.get(code, "") if isinstance(stored, dict) else "",
        )


def _collect(form: forms.ModelForm[Any], attr: str) -> dict[str, str]:
    return {
        code: form.cleaned_data[f"{attr}_{code}"].strip()
        for code, _name in languages()
        if form.cleaned_data.get(f"{attr}_{code}", "").strip()
    }


class RequestTypeForm(forms.ModelForm[RequestType]):
    class Meta:
        model = RequestType
        fields = ["key", "kinds", "team", "priority", "sla_policy", "is_active", "order"]
        widgets = {"kinds": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_texts(self, "names", _("Name"), long=False, required_en=True)
        _add_texts(self, "descriptions", _("Description"), long=True, required_en=False)
        self.order_fields(
            ["key", *[f for f in self.fields if f.startswith(("names_", "descriptions_"))]]
        )

    def save(self, commit: bool = True) -> RequestType:
        self.instance.names = _collect(self, "names")
        self.instance.descriptions = _collect(self, "descriptions")
        return super().save(commit)


def parse_options(text: str) -> list[dict[str, Any]]:
    """One option a line: ``value | English | Dutch | Russian label`` (labels in the desk's
    language order; a missing label falls back to the value)."""
    codes = [code for code, _name in languages()]
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        value = parts[0]
        if not _OPTION_VALUE.fullmatch(value):
            raise forms.ValidationError(
                _("Line %(n)s: the value may hold only a-z, 0-9, - and _.") % {"n": number}
            )
        if value in seen:
            raise forms.ValidationError(
                _("Line %(n)s: this value is listed twice.") % {"n": number}
            )
        seen.add(value)
        labels = {code: label for code, label in zip(codes, parts[1:], strict=False) if label}
        options.append({"value": value, "labels": labels})
    if len(options) > 200:
        raise forms.ValidationError(_("At most 200 options."))
    return options


def options_text(options: Any) -> str:
    codes = [code for code, _name in languages()]
    lines = []
    for option in options or []:
        if isinstance(option, dict):
            labels = option.get("labels") or {}
            lines.append(
                " | ".join([str(option.get("value", "")), *[labels.get(c, "") for c in codes]])
            )
    return "\n".join(lines)


class CustomFieldForm(forms.ModelForm[CustomField]):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Select and multi-select: one a line, as value | English | Dutch | Russian."),
    )

    class Meta:
        model = CustomField
        fields = ["key", "field_type", "required", "order", "is_active"]

    def __init__(self, *args: Any, request_type: RequestType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_type = request_type
        _add_texts(self, "labels", _("Label"), long=False, required_en=True)
        _add_texts(self, "help", _("Help"), long=True, required_en=False)
        self.fields["options_text"].initial = options_text(self.instance.options)

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        taken = CustomField.objects.filter(request_type=self.request_type, key=key)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This type already has a field with this key."))
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("field_type")
        options = parse_options(data.get("options_text", "")) if data.get("options_text") else []
        if kind in (FieldType.SELECT, FieldType.MULTI_SELECT) and not options:
            self.add_error("options_text", _("A select field needs at least one option."))
        data["options"] = options
        return data

    def save(self, commit: bool = True) -> CustomField:
        self.instance.request_type = self.request_type
        self.instance.labels = _collect(self, "labels")
        self.instance.help = _collect(self, "help")
        self.instance.options = self.cleaned_data.get("options", [])
        return super().save(commit)


class OrganisationKindForm(forms.ModelForm[OrganisationKind]):
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations of this kind"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OrganisationKind
        fields = ["key", "team", "sla_policy", "help_categories", "is_default", "order"]
        widgets = {"help_categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_texts(self, "names", _("Name"), long=False, required_en=True)
        _add_texts(self, "landing", _("Portal landing text"), long=True, required_en=False)
        if Organisation.objects.count() > MAX_LISTED_ORGANISATIONS:
            # Too many to tick here: each organisation's kind is set on its own desk page.
            del self.fields["organisations"]
        elif self.instance.pk:
            self.fields["organisations"].initial = list(
                self.instance.members.values_list("organisation_id", flat=True)
            )

    def save(self, commit: bool = True) -> OrganisationKind:
        self.instance.names = _collect(self, "names")
        self.instance.landing = _collect(self, "landing")
        return super().save(commit)
