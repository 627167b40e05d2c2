from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import User
from loket.lib.files import SAFE_INLINE_SIGNATURES, sniff_type

MAX_AVATAR_BYTES = 2 * 1024 * 1024


class ProfileForm(forms.ModelForm[User]):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Follow my browser")), *settings.LANGUAGES],
    )

    class Meta:
        model = User
        fields = ["display_name", "language", "formality", "signature", "avatar"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.is_agent:
            for name in ("signature", "avatar"):
                del self.fields[name]

    def clean_display_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("display_name", "")).split())
        if self.instance.is_agent and not name:
            raise forms.ValidationError(_("Agents sign with their real name."))
        return name

    def clean_avatar(self) -> Any:
        upload = self.cleaned_data.get("avatar")
        if upload and hasattr(upload, "read") and getattr(upload, "size", 0):
            if upload.size > MAX_AVATAR_BYTES:
                raise forms.ValidationError(_("A photo may be at most 2 MB."))
            kind = sniff_type(upload.read(16))
            upload.seek(0)
            if kind not in SAFE_INLINE_SIGNATURES:
                raise forms.ValidationError(_("Use a PNG, JPEG, GIF or WebP image."))
        return upload


DEFAULT_EXPIRY = "90"  # days; a token nobody remembers should not work for ever
EXPIRY_CHOICES = [
    ("30", _("in 30 days")),
    ("90", _("in 90 days")),
    ("365", _("in a year")),
    ("never", _("never")),
]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What is this token for?"), max_length=100)
    expires = forms.ChoiceField(
        label=_("Expires"), choices=EXPIRY_CHOICES, initial=DEFAULT_EXPIRY, required=False
    )
    read_only = forms.BooleanField(label=_("Read-only (may not change anything)"), required=False)

    def expires_at(self) -> datetime | None:
        choice = self.cleaned_data.get("expires") or DEFAULT_EXPIRY
        if choice == "never":
            return None
        return timezone.now() + timedelta(days=int(choice))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
