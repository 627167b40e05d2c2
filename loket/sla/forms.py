"""The agent's own notification settings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.sla.models import NotificationKind, NotifyChannel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHAT_ID = re.compile(r"^(-?\d{1,20}|@\w{5,32})$")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _zones() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(available_timezones()) if "/" in z or z == "UTC"]


def _kinds_field(label: StrOrPromise) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class NotifySettingsForm(forms.Form):
    """One list of kinds per channel (the field names are the ``NotifyChannel`` values)."""

    browser = _kinds_field(NotifyChannel.BROWSER.label)
    email = _kinds_field(NotifyChannel.EMAIL.label)
    telegram = _kinds_field(NotifyChannel.TELEGRAM.label)
    push = _kinds_field(NotifyChannel.PUSH.label)
    telegram_chat_id = forms.CharField(
        label=_("Telegram chat id"),
        max_length=32,
        required=False,
        help_text=_("Start a chat with the desk's bot and paste the number it tells you."),
    )
    quiet_from = forms.TimeField(label=_("Quiet from"), required=False, widget=TIME)
    quiet_until = forms.TimeField(label=_("Quiet until"), required=False, widget=TIME)
    tz = forms.ChoiceField(label=_("Time zone"), choices=_zones)

    def clean_telegram_chat_id(self) -> str:
        value = str(self.cleaned_data.get("telegram_chat_id") or "").strip()
        if value and not CHAT_ID.match(value):
            raise forms.ValidationError(_("A chat id is a number (or @channel name)."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_from") is None) != (data.get("quiet_until") is None):
            raise forms.ValidationError(_("Give both the start and the end of the quiet hours."))
        return data
