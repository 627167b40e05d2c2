"""The form an agent asks for approval with: what is asked, and up to three steps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import STAFF_ROLES, User
from loket.rules.approvals import StepSpec
from loket.rules.models_approvals import ApproverRole

STEPS = 3


class AskForm(forms.Form):
    question = forms.CharField(
        label=_("What needs approval?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: lower the minimum payout to €50 for this partner."),
    )
    tell_customer = forms.BooleanField(
        label=_("Tell the customer the outcome (a public reply in their language)"),
        required=False,
    )
    wait = forms.BooleanField(
        label=_("Put the ticket in “waiting on third party” meanwhile"),
        required=False,
        help_text=_(
            "The SLA clock keeps running while an approval is pending, unless the ticket "
            "waits on a third party and its SLA policy pauses then."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("display_name")
        for n in range(1, STEPS + 1):
            self.fields[f"step{n}_people"] = forms.ModelMultipleChoiceField(
                queryset=staff,
                required=False,
                label=_("Step %(n)s: approvers") % {"n": n},
                widget=forms.SelectMultiple(attrs={"size": 4}),
            )
            self.fields[f"step{n}_role"] = forms.ChoiceField(
                choices=ApproverRole.choices,
                required=False,
                label=_("Step %(n)s: or anyone with the role") % {"n": n},
            )

    def steps(self) -> list[StepSpec]:
        found = []
        for n in range(1, STEPS + 1):
            people = list(self.cleaned_data.get(f"step{n}_people") or [])
            role = self.cleaned_data.get(f"step{n}_role") or ""
            if people or role:
                found.append(StepSpec(people=people, role=role))
        return found


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Decision")
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
