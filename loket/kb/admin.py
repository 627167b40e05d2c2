"""Knowledge-base configuration in the Django admin. Article texts save through the actions,
so the admin renders, sanitises, indexes and versions them like the agents' editor does."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import User
from loket.kb import actions
from loket.kb.forms import MacroTextFormSet
from loket.kb.models import (
    Article,
    Branding,
    Category,
    CategoryName,
    FailedSearch,
    Macro,
    MacroText,
    Revision,
    Translation,
    Vote,
)


class CategoryNameInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CategoryName
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("slug", "parent", "position")
    inlines = [CategoryNameInline]


class TranslationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Translation
    fields = ("language", "title", "status", "version", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "category", "visibility", "owner", "review_due")
    list_filter = ("visibility", "category")
    fields = ("category", "visibility", "owner", "review_due", "related", "position")
    filter_horizontal = ("related",)
    inlines = [TranslationInline]


@admin.register(Translation)
class TranslationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "language", "status", "article", "version", "updated_at")
    list_filter = ("language", "status")
    search_fields = ("title",)
    fields = ("article", "language", "title", "slug", "keywords", "body_format", "body", "status")
    readonly_fields = ("article", "language")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new articles and languages are made in the desk's editor

    def save_model(self, request: HttpRequest, obj: Translation, form: Any, change: bool) -> None:
        user = request.user
        assert isinstance(user, User)
        changes: actions.TranslationChanges = {
            "title": obj.title,
            "body": obj.body,
            "body_format": obj.body_format,
            "keywords": obj.keywords,
            "slug": obj.slug,
            "status": obj.status,
        }
        saved = actions.update_translation(obj, changes, by=user, note=str(_("Edited in admin")))
        obj.pk = saved.pk


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("translation", "number", "author", "created_at", "note")
    readonly_fields = (
        *("translation", "number", "title", "keywords", "body_format", "body"),
        *("status", "author", "note", "created_at"),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("translation", "helpful", "comment", "created_at")
    list_filter = ("helpful",)
    readonly_fields = ("translation", "helpful", "comment", "voter", "user", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FailedSearch)
class FailedSearchAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("query", "language", "source", "count", "last_at", "dismissed_at")
    list_filter = ("language", "source")
    search_fields = ("query",)
    readonly_fields = ("query", "language", "source", "count", "first_at", "last_at")


@admin.register(Branding)
class BrandingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "primary_colour", "header_colour")


class MacroTextInline(admin.StackedInline):  # type: ignore[type-arg]
    model = MacroText
    formset = MacroTextFormSet
    extra = 1


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "shortcut", "is_active", "set_state", "set_priority")
    list_filter = ("is_active",)
    search_fields = ("title", "shortcut")
    inlines = [MacroTextInline]
    fields = ("title", "shortcut", "is_active", "set_state", "set_priority", "add_tags")

    def save_model(self, request: HttpRequest, obj: Macro, form: Any, change: bool) -> None:
        if not change and isinstance(request.user, User):
            obj.created_by = request.user
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Macro]:
        return super().get_queryset(request).prefetch_related("texts")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "add_tags":
            kwargs["widget"] = forms.TextInput(attrs={"size": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)
