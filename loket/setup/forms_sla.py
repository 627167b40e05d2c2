"""Forms for SLA policies (with their targets per priority) and business calendars."""

from __future__ import annotations

import zoneinfo
from datetime import date
from functools import cache
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.setup import calendar_grid
from loket.sla.models import BusinessCalendar, Policy
from loket.tickets.models import Priority

TARGET_KINDS = (
    ("first_response_minutes", _("First response")),
    ("next_response_minutes", _("Next response")),
    ("resolution_minutes", _("Resolution")),
)
MAX_MINUTES = 60 * 24 * 365


class PolicyForm(forms.ModelForm[Policy]):
    class Meta:
        model = Policy
        fields = (
            "name", "calendar", "organisation", "organisation_tier", "pause_on_third_party",
            "warn_percent", "is_active",
        )  # fmt: skip

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name", "")).split())
        if not name:
            raise forms.ValidationError(_("Give the policy a name."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("organisation") and data.get("organisation_tier"):
            self.add_error(
                "organisation_tier",
                _("A policy is for one organisation or for a customer tier, not both."),
            )
        return data


def target_name(priority: int, kind: str) -> str:
    return f"t-{priority}-{kind}"


class TargetsForm(forms.Form):
    """Minutes of business time per priority and clock; empty means no target."""

    def __init__(self, *args: Any, policy: Policy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        existing = {t.priority: t for t in policy.targets.all()} if policy and policy.pk else {}
        self.rows: list[dict[str, Any]] = []
        for priority, label in sorted(Priority.choices, reverse=True):
            cells = []
            for kind, kind_label in TARGET_KINDS:
                name = target_name(priority, kind)
                self.fields[name] = forms.IntegerField(
                    label=f"{label}: {kind_label}",
                    required=False,
                    min_value=1,
                    max_value=MAX_MINUTES,
                    widget=forms.NumberInput(attrs={"class": "num", "inputmode": "numeric"}),
                )
                found = existing.get(priority)
                if found is not None:
                    self.initial[name] = getattr(found, kind)
                cells.append(name)
            self.rows.append({"priority": priority, "label": label, "names": cells})

    def table(self) -> list[dict[str, Any]]:
        return [{**row, "cells": [self[name] for name in row["names"]]} for row in self.rows]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for row in self.rows:
            first = data.get(target_name(row["priority"], "first_response_minutes"))
            done = data.get(target_name(row["priority"], "resolution_minutes"))
            if first and done and first > done:
                self.add_error(
                    target_name(row["priority"], "first_response_minutes"),
                    _("%(priority)s: the first response cannot be due after the resolution.")
                    % {"priority": row["label"]},
                )
        return data

    def values(self) -> dict[int, dict[str, int | None]]:
        return {
            row["priority"]: {
                kind: self.cleaned_data.get(target_name(row["priority"], kind))
                for kind, _label in TARGET_KINDS
            }
            for row in self.rows
        }


@cache
def _zones() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    tz = forms.ChoiceField(label=_("Time zone"), choices=())
    always_open = forms.BooleanField(label=_("Always open (24/7)"), required=False)
    country = forms.ChoiceField(label=_("Public holidays of"), required=False, choices=())
    subdiv = forms.CharField(
        label=_("Region"),
        required=False,
        max_length=10,
        help_text=_("A state or province code, for regional holidays (optional)."),
    )
    closed_days = forms.CharField(
        label=_("Other closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One date a line, like 2026-12-24."),
    )

    def __init__(self, *args: Any, instance: BusinessCalendar | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.instance = instance
        tz = self.fields["tz"]
        assert isinstance(tz, forms.ChoiceField)
        tz.choices = _zones()
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("none"))] + [
            (code, f"{name} ({code})") for code, name in calendar_grid.countries()
        ]
        if instance is not None and not self.is_bound:
            spec = instance.spec or {}
            self.initial.update(
                name=instance.name,
                tz=spec.get("tz", "Europe/Amsterdam"),
                always_open=bool(spec.get("24/7")),
                country=spec.get("country", ""),
                subdiv=spec.get("subdiv", ""),
                closed_days="\n".join(spec.get("holidays", [])),
            )
        elif not self.is_bound:
            self.initial.update(tz="Europe/Amsterdam", country="NL")
        self.grid: calendar_grid.Grid = {d: set() for d in range(7)}
        self.uneven = False
        if self.is_bound:
            self.grid = calendar_grid.grid_from_post(self.data)
        elif instance is not None:
            self.grid, self.uneven = calendar_grid.grid_of(instance.spec or {})
        else:
            self.grid = {d: set(range(9, 17)) if d < 5 else set() for d in range(7)}

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name", "")).split())
        taken = BusinessCalendar.objects.filter(name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another calendar has this name."))
        return name

    def clean_subdiv(self) -> str:
        return str(self.cleaned_data.get("subdiv", "")).strip().upper()

    def clean_closed_days(self) -> list[str]:
        days: set[str] = set()
        for line in str(self.cleaned_data.get("closed_days", "")).splitlines():
            text = line.strip()
            if not text:
                continue
            try:
                days.add(date.fromisoformat(text).isoformat())
            except ValueError:
                raise forms.ValidationError(
                    _("%(text)s is not a date like 2026-12-24.") % {"text": text}
                ) from None
        return sorted(days)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        country, subdiv = data.get("country") or "", data.get("subdiv") or ""
        if subdiv and not country:
            self.add_error("subdiv", _("Choose the country first."))
        elif subdiv and subdiv not in calendar_grid.subdivisions(country):
            self.add_error(
                "subdiv",
                _("%(country)s has no region %(subdiv)s.") % {"country": country, "subdiv": subdiv},
            )
        if not data.get("always_open") and not calendar_grid.open_hours(self.grid):
            self.add_error(None, _("Tick the hours the desk is open, or choose 24/7."))
        return data

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data.get("always_open"):
            return {"tz": data["tz"], "24/7": True}
        spec: dict[str, Any] = {"tz": data["tz"], "week": calendar_grid.week_of(self.grid)}
        if data.get("closed_days"):
            spec["holidays"] = data["closed_days"]
        if data.get("country"):
            spec["country"] = data["country"]
        if data.get("subdiv"):
            spec["subdiv"] = data["subdiv"]
        return spec
