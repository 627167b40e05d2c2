"""Forms for teams and staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import STAFF_ROLES, Role, Team, User


def staff() -> Any:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("display_name")


class StaffChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} <{obj.email}>"


class TeamForm(forms.ModelForm[Team]):
    members = StaffChoice(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("members"),
    )

    class Meta:
        model = Team
        fields = ("name", "tier", "is_default_for_tier", "manager", "members")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = staff()
        manager = self.fields["manager"]
        assert isinstance(manager, forms.ModelChoiceField)
        manager.queryset = User.objects.filter(
            role__in=(Role.MANAGER, Role.ADMIN), is_active=True
        ).order_by("display_name")

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name", "")).split())
        if not name:
            raise forms.ValidationError(_("Give the team a name."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("is_default_for_tier") and data.get("tier") is not None:
            other = (
                Team.objects.filter(tier=data["tier"], is_default_for_tier=True)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if other is not None:
                self.add_error(
                    "is_default_for_tier",
                    _("%(team)s is already the default team of this tier.") % {"team": other},
                )
        return data


STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r in STAFF_ROLES]


class InviteStaffForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES, initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"), choices=settings.LANGUAGES, required=False
    )

    def clean_name(self) -> str:
        name = " ".join(str(self.cleaned_data.get("name", "")).split())
        if not name:
            raise forms.ValidationError(_("Agents sign with their real name."))
        return name

    def clean_email(self) -> str:
        email = str(self.cleaned_data.get("email", "")).strip().lower()
        if User.objects.with_addresses([email]).exists():
            raise forms.ValidationError(_("Somebody with this address has an account already."))
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)


class TeamsForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class JoinForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import password_validation

        super().clean()
        data = self.cleaned_data
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            try:
                password_validation.validate_password(one, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
