"""Website monitors and the status page's components in the settings area.

A monitor's target is checked by the model's own rules (``Monitor.clean``: the address
guard's ``target_refusal``, the same check the API and the Django admin apply), so no form
here can make the checker fetch a private, loopback or metadata address that
``LOKET_HTTP_ALLOWED_NETWORKS`` does not open."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Team
from loket.monitor.models import Monitor

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
MAX_HEADERS = 30
# The checker sets these itself; a monitor may not change where or how it connects.
FIXED_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})
RESCHEDULE = frozenset({"interval_seconds", "enabled", "kind", "target"})


class HeadersField(forms.CharField):
    """Request headers as ``Name: value`` lines; stored as a JSON object."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        text = str(super().to_python(value) or "")
        headers: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, content = line.partition(":")
            name = name.strip()
            if not colon or not HEADER_NAME.match(name):
                raise forms.ValidationError(
                    _("Line %(n)s: write each header as Name: value."), params={"n": number}
                )
            if name.lower() in FIXED_HEADERS:
                raise forms.ValidationError(
                    _("Line %(n)s: the checker sets %(name)s itself."),
                    params={"n": number, "name": name},
                )
            content = content.strip()
            if any(ord(c) < 32 or ord(c) == 127 for c in content):
                raise forms.ValidationError(
                    _("Line %(n)s: a header value has no control characters."),
                    params={"n": number},
                )
            headers[name] = content
        if len(headers) > MAX_HEADERS:
            raise forms.ValidationError(_("At most %(n)s headers."), params={"n": MAX_HEADERS})
        return headers


class MonitorForm(forms.ModelForm[Monitor]):
    request_headers = HeadersField(
        label=capfirst(Monitor._meta.get_field("request_headers").verbose_name),
        required=False,
        max_length=5000,
        help_text=_("HTTP: one per line, as Name: value (for example a token the site asks for)."),
    )

    class Meta:
        model = Monitor
        fields = (
            "name", "kind", "target", "enabled", "interval_seconds", "timeout_seconds",
            "retries", "method", "request_headers", "request_body", "expected_status",
            "expect_text", "absent_text", "max_response_ms", "follow_redirects", "verify_tls",
            "tls_warn_days", "team", "auto_resolve", "component", "public",
        )  # fmt: skip
        widgets = {"request_body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.order_by("tier", "name")
        for name in ("interval_seconds", "timeout_seconds", "retries", "max_response_ms",
                     "tls_warn_days"):  # fmt: skip
            self.fields[name].widget.attrs["class"] = "num"

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError(_("Give the monitor a name."))
        return name

    def clean_target(self) -> str:
        return str(self.cleaned_data.get("target") or "").strip()

    def clean_component(self) -> str:
        return " ".join(str(self.cleaned_data.get("component") or "").split())

    def save(self, commit: bool = True) -> Monitor:
        """A new monitor, or a changed interval, kind or target, gets its first check within
        one interval; an edit writes only this form's fields (never the checker's live state,
        which it may be writing at the same moment)."""
        monitor = self.instance
        creating = monitor.pk is None
        reschedule = creating or bool(RESCHEDULE & set(self.changed_data))
        if reschedule:
            monitor.spread_first_check()
        if creating or not commit:
            return super().save(commit)
        fields = [name for name in self._meta.fields or () if name in self.cleaned_data]
        if reschedule:
            fields.append("next_check_at")
        monitor.save(update_fields=fields)
        return monitor


class ComponentForm(forms.ModelForm[Monitor]):
    """One monitor's place on the public status page (a row of a formset)."""

    class Meta:
        model = Monitor
        fields = ("public", "component", "status_position")
        labels = {"component": _("Group"), "status_position": _("Position")}
        help_texts = {"component": "", "status_position": ""}
        widgets = {"status_position": forms.NumberInput(attrs={"class": "num", "min": 0})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.public_names or {}
        for code, language in settings.LANGUAGES:
            self.fields[f"public_name_{code}"] = forms.CharField(
                label=_("Public name in %(language)s") % {"language": language},
                max_length=200,
                required=False,
            )
            self.initial[f"public_name_{code}"] = stored.get(code, "")

    def clean_component(self) -> str:
        return " ".join(str(self.cleaned_data.get("component") or "").split())

    def _post_clean(self) -> None:
        """Only this form's fields are checked: a monitor whose target the guard refuses now
        (the allowed networks changed) can still be placed on the status page."""
        construct_instance(self, self.instance, fields=self._meta.fields)
        own = set(self._meta.fields or ())
        others = [f.name for f in Monitor._meta.get_fields() if f.name not in own]
        try:
            self.instance.clean_fields(exclude=others)
        except ValidationError as exc:
            self.add_error(None, exc)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = {}
        for code, _language in settings.LANGUAGES:
            value = " ".join(str(data.get(f"public_name_{code}") or "").split())
            if value:
                names[code] = value
        self.instance.public_names = names
        return data

    def save(self, commit: bool = True) -> Monitor:
        """Only the status page's fields are written (never the checker's live state)."""
        monitor = self.instance
        if commit:
            monitor.save(update_fields=["public", "component", "status_position", "public_names"])
        return monitor
