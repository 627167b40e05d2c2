"""Monitors, maintenance windows and incidents in the Django admin (staff configuration)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from loket.monitor.models import Incident, Kind, MaintenanceWindow, Monitor


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "target", "status", "interval_seconds", "enabled", "public")
    list_filter = ("kind", "status", "enabled", "public", "component")
    search_fields = ("name", "target", "component")
    readonly_fields = (
        "status",
        "failures",
        "status_since",
        "last_error",
        "last_push_at",
        "next_check_at",
        "push_url",
    )
    fieldsets = (
        (None, {"fields": ("name", "kind", "target", "enabled", "component", "public")}),
        (
            _("Check"),
            {
                "fields": (
                    "interval_seconds",
                    "timeout_seconds",
                    "retries",
                    "method",
                    "request_headers",
                    "request_body",
                    "expected_status",
                    "expect_text",
                    "absent_text",
                    "max_response_ms",
                    "follow_redirects",
                    "verify_tls",
                    "tls_warn_days",
                )
            },
        ),
        (_("Incidents"), {"fields": ("team", "auto_resolve")}),
        (
            _("State"),
            {
                "fields": (
                    "status",
                    "failures",
                    "status_since",
                    "last_error",
                    "last_push_at",
                    "next_check_at",
                    "push_url",
                )
            },
        ),
    )

    @admin.display(description=_("heartbeat URL"))
    def push_url(self, obj: Monitor) -> str:
        if obj.pk is None or obj.kind != Kind.PUSH:
            return "—"
        return settings.BASE_URL.rstrip("/") + obj.push_path

    def save_model(
        self, request: HttpRequest, obj: Monitor, form: ModelForm[Monitor], change: bool
    ) -> None:
        if not change or {"interval_seconds", "enabled"} & set(form.changed_data):
            obj.spread_first_check()
        super().save_model(request, obj, form, change)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "monitor", "starts_at", "ends_at", "public")
    list_filter = ("public",)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("__str__", "monitor", "started_at", "resolved_at", "flaps", "public")
    list_filter = ("public",)
    readonly_fields = (
        "monitor",
        "ticket",
        "problem",
        "cause",
        "started_at",
        "recovered_at",
        "resolved_at",
        "flaps",
    )
    fields = ("title", "public", *readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # incidents are opened by monitors
