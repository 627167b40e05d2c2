"""The undo window for replies, set on the branding page of /desk/settings/ (checked, audited,
used by the reply box; empty falls back to LOKET_REPLY_UNDO_SECONDS)."""

from __future__ import annotations

from typing import Any

from loket.accounts.models import AuditEntry, DeskSettings
from loket.tickets import actions
from tests.conftest import Desk
from tests.setup.test_desk_pages import _as

BRANDING = "/desk/settings/branding/"


def _post(client: Any, seconds: str) -> Any:
    return client.post(BRANDING, {"name": "Hulpdesk", "undo_send_seconds": seconds})


def test_the_window_is_checked_saved_audited_and_used(desk: Desk, settings: Any) -> None:
    settings.REPLY_UNDO_SECONDS = 10
    admin = _as(desk.admin)
    page = admin.get(BRANDING).content.decode()
    assert 'name="undo_send_seconds"' in page
    refused = _post(admin, "61").content.decode()
    assert "less than or equal to 60" in refused
    assert not DeskSettings.objects.exists()
    assert _post(admin, "4").status_code == 302
    assert DeskSettings.objects.get().undo_send_seconds == 4
    assert actions.undo_seconds() == 4
    entry = AuditEntry.objects.get(action="setting_created", data__section="branding")
    assert entry.data["changes"]["undo_send_seconds"] == [None, 4]
    assert _post(admin, "0").status_code == 302
    assert actions.undo_seconds() == 0  # off
    assert _post(admin, "").status_code == 302
    assert actions.undo_seconds() == 10  # the server's default


def test_agents_cannot_change_it(desk: Desk) -> None:
    response = _post(_as(desk.agent), "0")
    assert response.status_code in (302, 403, 404)
    assert not DeskSettings.objects.exists()
