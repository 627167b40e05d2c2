"""Tickets are worked in the desk, not here; the admin shows them read-only plus the tag list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from loket.tickets.models import BlockedSender, Event, SavedFilter, Tag, Ticket


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    search_fields = ("name",)


@admin.register(BlockedSender)
class BlockedSenderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Blocked by agents marking spam (``actions.mark_spam``); deleting a row unblocks."""

    list_display = ("customer", "blocked_by", "ticket", "created_at")
    search_fields = ("customer__email",)
    readonly_fields = ("customer", "blocked_by", "ticket", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "state", "priority", "tier", "team", "assignee", "updated_at")
    list_filter = ("state", "priority", "tier", "channel")
    search_fields = ("subject",)
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The audit log: every ticket change, who made it, before and after."""

    list_display = ("created_at", "ticket_id", "actor", "kind", "before", "after", "reason")
    list_filter = ("kind",)
    show_full_result_count = False


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "owner")
