"""Django admin for staff configuration. Role changes go through the audited action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from loket.accounts.actions import revoke_token, set_role
from loket.accounts.models import ApiToken, AuditEntry, Organisation, Role, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    ordering = ("email",)
    list_display = ("email", "display_name", "role", "organisation", "is_active")
    list_filter = ("role", "is_active", "organisation__tier")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "avatar", "signature", "language", "formality", "phone")},
        ),
        (
            _("Rights"),
            {"fields": ("role", "organisation", "is_organisation_admin", "is_active")},
        ),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "role")}),
    )
    filter_horizontal = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only admins change roles, and nobody their own (SECURITY.md #5)."""
        user = request.user
        # Organisation admins are named on the desk's organisation page (audited there).
        if not getattr(user, "is_admin", False) or (obj is not None and obj.pk == user.pk):
            return ("role", "is_organisation_admin")
        return ("is_organisation_admin",)

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        actor = request.user
        assert isinstance(actor, User)
        if change and "role" in form.changed_data:
            new_role = obj.role
            obj.role = User.objects.get(pk=obj.pk).role
            super().save_model(request, obj, form, change)
            set_role(obj, Role(new_role), by=actor)  # checks the right and writes the audit entry
        else:
            super().save_model(request, obj, form, change)
        if change and "organisation" in form.changed_data:
            AuditEntry.objects.create(
                actor=actor,
                subject=obj,
                action="organisation_set_in_admin",
                data={"before": form.initial.get("organisation"), "after": obj.organisation_id},
            )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "tier", "domains", "auto_join")
    # Joining by domain is switched on the desk's organisation page, where it is audited.
    readonly_fields = ("auto_join",)
    list_filter = ("tier",)
    search_fields = ("name", "domains")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "tier", "is_default_for_tier", "manager")
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "expires_at",
    )
    list_filter = ("read_only",)
    # Scope and expiry are chosen at creation; changing them here would go unaudited.
    readonly_fields = (
        "user",
        "prefix",
        "key_hash",
        "read_only",
        "expires_at",
        "created_at",
        "last_used_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by their owner on /me/, shown once

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        actor = request.user
        assert isinstance(actor, User)
        revoke_token(obj, by=actor)  # audited

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            self.delete_model(request, token)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "actor", "action", "subject")
    list_filter = ("action",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
