"""Helpers for the desk-core tests: stored files in a temporary place, ticket snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loket.tickets.models import Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    """Attachments go to an empty directory of this test's own, so it can count the files."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """Everything about a ticket that a change could touch (read fresh from the database)."""
    fresh = Ticket.objects.get(pk=ticket.pk)
    return {
        "state": fresh.state,
        "priority": fresh.priority,
        "tier": fresh.tier,
        "team": fresh.team_id,
        "assignee": fresh.assignee_id,
        "subject": fresh.subject,
        "merged_into": fresh.merged_into_id,
        "awaiting_reply_since": fresh.awaiting_reply_since,
        "resolved_at": fresh.resolved_at,
        "version": fresh.version,
        "updated_at": fresh.updated_at,
        "tags": sorted(fresh.tags.values_list("name", flat=True)),
        "messages": list(
            fresh.messages.order_by("id").values_list("id", "kind", "needs_reply", "body")
        ),
        "events": fresh.events.count(),
    }
