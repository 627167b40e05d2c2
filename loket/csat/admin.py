"""Surveys in the Django admin, read-only: they change only through ``loket.csat.actions``
(the desk's follow-up page marks them handled)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from loket.csat.models import Survey


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("ticket", "status", "skip_reason", "score", "satisfied", "agent", "team")
    list_filter = ("status", "skip_reason", "scale", "satisfied", "needs_follow_up", "channel")
    raw_id_fields = ("ticket", "customer", "agent", "handled_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
