from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext as _

from loket.chat.models import ChatChannel


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ChatChannel
        fields = [
            "name",
            "allowed_origins",
            "team",
            "greeting_en",
            "greeting_nl",
            "greeting_ru",
            "accent",
            "text_on_accent",
            "position",
            "proactive_after",
            "proactive_pages",
            "proactive_en",
            "proactive_nl",
            "active",
        ]
        widgets = {
            "allowed_origins": forms.Textarea(attrs={"rows": 3}),
            "proactive_pages": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accent"].widget = forms.TextInput(attrs={"type": "color"})
        self.fields["text_on_accent"].widget = forms.TextInput(attrs={"type": "color"})
        self.fields["proactive_after"].required = False

    def clean_proactive_after(self) -> int:
        return int(self.cleaned_data.get("proactive_after") or 0)

    def clean_proactive_pages(self) -> str:
        patterns = []
        for raw in str(self.cleaned_data["proactive_pages"]).split():
            if not raw.startswith(("/", "*")):
                raise forms.ValidationError(
                    _("%(pattern)s is not a path like /pricing*.") % {"pattern": raw}
                )
            patterns.append(raw)
        return "\n".join(dict.fromkeys(patterns))

    def clean_allowed_origins(self) -> str:
        origins = []
        for raw in str(self.cleaned_data["allowed_origins"]).split():
            parts = urlsplit(raw.strip())
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
                raise forms.ValidationError(
                    _("%(origin)s is not an origin like https://shop.example.") % {"origin": raw}
                )
            origins.append(f"{parts.scheme}://{parts.netloc}".lower())
        if not origins:
            raise forms.ValidationError(_("Name at least one website."))
        return "\n".join(dict.fromkeys(origins))
