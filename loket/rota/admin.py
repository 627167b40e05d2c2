"""Rota configuration in the Django admin (the coverage view is in loket.rota.duty)."""

from __future__ import annotations

from django.contrib import admin

from loket.rota.models import Leave, Presence, RoutingRule, Shift, ShiftChange, TeamRota


@admin.register(TeamRota)
class TeamRotaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "tz", "calendar", "assign_mode", "cap", "swaps_need_approval")


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "agent", "role", "weekday", "start", "end", "valid_from", "valid_until")
    list_filter = ("team", "role", "weekday")


@admin.register(ShiftChange)
class ShiftChangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("team", "agent", "replaces", "role", "start", "end", "status")
    list_filter = ("team", "role", "status")


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("agent", "start", "end", "reason")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "order",
        "name",
        "channel",
        "organisation_tier",
        "language",
        "mailbox",
        "team",
        "is_active",
    )
    list_display_links = ("name",)
    list_filter = ("is_active", "team", "mailbox")


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("agent", "status", "seen_at")
