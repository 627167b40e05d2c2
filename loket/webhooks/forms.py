from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.webhooks.models import Kind


class SubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where the events are POSTed: an https address on the internet."),
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
