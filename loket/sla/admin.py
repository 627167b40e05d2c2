"""SLA configuration in the Django admin; ticket clocks are shown read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from loket.sla.actions import save_calendar
from loket.sla.models import (
    BusinessCalendar,
    Notification,
    NotifySettings,
    Policy,
    Target,
    TicketSla,
)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "version", "updated_at")
    search_fields = ("name",)

    def save_model(
        self, request: HttpRequest, obj: BusinessCalendar, form: Any, change: bool
    ) -> None:
        spec = obj.spec
        if change:
            obj.spec = BusinessCalendar.objects.get(pk=obj.pk).spec  # so the action sees a change
        save_calendar(obj, spec, by=request.user)  # type: ignore[arg-type]


class TargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Target
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "name",
        "calendar",
        "organisation",
        "organisation_tier",
        "warn_percent",
        "is_active",
    )
    list_filter = ("is_active", "organisation_tier")
    inlines = (TargetInline,)


@admin.register(TicketSla)
class TicketSlaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ticket", "policy", "due_at", "next_check_at", "paused_since")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotifySettings)
class NotifySettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("agent", "email", "telegram_chat_id", "quiet_from", "quiet_until")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("recipient", "kind", "ticket", "channels", "created_at", "read_at")
    list_filter = ("kind",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
