"""Branding, security policy and data retention: three forms over the one DeskSettings row."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import DeskSettings
from loket.lib.files import SAFE_INLINE_SIGNATURES, sniff_type

MAX_LOGO_BYTES = 512 * 1024


class ColourInput(forms.TextInput):
    input_type = "color"


class BrandingForm(forms.ModelForm[DeskSettings]):
    class Meta:
        model = DeskSettings
        fields = (
            "name", "logo", "primary_colour", "header_colour", "sender_name", "mail_footer",
            "undo_send_seconds",
        )  # fmt: skip
        widgets = {"mail_footer": forms.Textarea(attrs={"rows": 4})}

    def clean_logo(self) -> Any:
        upload = self.cleaned_data.get("logo")
        if upload and hasattr(upload, "read") and getattr(upload, "content_type", None):
            if upload.size > MAX_LOGO_BYTES:
                raise forms.ValidationError(_("A logo may be at most 512 KB."))
            kind = sniff_type(upload.read(16))
            upload.seek(0)
            if kind not in SAFE_INLINE_SIGNATURES:
                raise forms.ValidationError(_("Use a PNG, JPEG, GIF or WebP image."))
        return upload

    def _clean_colour(self, name: str) -> str:
        value = str(self.cleaned_data.get(name) or "").strip().lower()
        return value

    def clean_primary_colour(self) -> str:
        return self._clean_colour("primary_colour")

    def clean_header_colour(self) -> str:
        return self._clean_colour("header_colour")

    def clean_sender_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("sender_name", "")).split())
        if any(ch in name for ch in '<>@"'):
            raise forms.ValidationError(
                _('A sender name has no address in it: leave out < > @ and ".')
            )
        return name


class SecurityForm(forms.ModelForm[DeskSettings]):
    class Meta:
        model = DeskSettings
        fields = ("staff_two_factor", "session_hours")


class RetentionForm(forms.ModelForm[DeskSettings]):
    class Meta:
        model = DeskSettings
        fields = ("retention_months",)
