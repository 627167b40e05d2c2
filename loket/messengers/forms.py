from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.messengers.models import TelegramBot, WhatsAppNumber

KEEP = gettext_lazy("Leave empty to keep the one saved.")


class _SecretsKept(forms.ModelForm):  # type: ignore[type-arg]
    """Secrets are never shown again; left empty on an edit, the saved one stays."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        for name in self.secret_fields:
            field = self.fields[name]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            if editing:
                field.required = False
                field.help_text = f"{field.help_text} {KEEP}".strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            for name in self.secret_fields:
                if not cleaned.get(name):
                    saved = type(self.instance).objects.get(pk=self.instance.pk)
                    cleaned[name] = getattr(saved, name)
                    setattr(self.instance, name, cleaned[name])
        return cleaned


class BotForm(_SecretsKept):
    secret_fields = ("token",)

    class Meta:
        model = TelegramBot
        fields = ["name", "slug", "token", "mode", "team", "active"]

    def clean_token(self) -> str:
        token = str(self.cleaned_data.get("token") or "").strip()
        if token and (":" not in token or len(token) > 100 or any(c.isspace() for c in token)):
            raise forms.ValidationError(_("A bot token looks like 123456:ABC-DEF…"))
        return token


class NumberForm(_SecretsKept):
    secret_fields = ("access_token", "app_secret")

    class Meta:
        model = WhatsAppNumber
        fields = [
            "name",
            "slug",
            "phone_number_id",
            "access_token",
            "app_secret",
            "templates",
            "team",
            "active",
        ]
        widgets = {"templates": forms.Textarea(attrs={"rows": 4})}

    def clean_phone_number_id(self) -> str:
        value = str(self.cleaned_data.get("phone_number_id") or "").strip()
        if not value.isdigit():
            raise forms.ValidationError(_("The phone number ID is a number (from the Meta app)."))
        return value

    def clean_templates(self) -> str:
        text = str(self.cleaned_data.get("templates") or "")
        for line in text.splitlines():
            if line.strip() and len([p for p in line.split("|") if p.strip()]) < 2:
                raise forms.ValidationError(
                    _("%(line)s: write name | language | text.") % {"line": line.strip()[:60]}
                )
        return text


class LinkForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Customer's e-mail address"), required=False)
    name = forms.CharField(
        label=gettext_lazy("Name (for a new customer)"), required=False, max_length=150
    )
    same_as = forms.IntegerField(
        label=gettext_lazy("or: the same person as contact number"), required=False, min_value=1
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("email")) == bool(cleaned.get("same_as")):
            raise forms.ValidationError(
                _("Give an e-mail address or another contact, one of them.")
            )
        return cleaned


class TemplateForm(forms.Form):
    template = forms.CharField(max_length=200)
