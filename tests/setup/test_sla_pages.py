"""SLA policies and business calendars in the settings area."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.accounts.models import AuditEntry, User
from loket.sla.models import BusinessCalendar, Policy, Target
from loket.tickets.models import Priority
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _calendar() -> BusinessCalendar:
    return BusinessCalendar.objects.create(
        name="Office", spec={"tz": "Europe/Amsterdam", "week": {"mon": [["09:00", "17:00"]]}}
    )


def test_calendar_grid_round_trip_with_holidays_and_closed_days(desk: Desk) -> None:
    manager = _as(desk.manager)
    form = manager.get("/desk/settings/calendars/new/").content.decode()
    assert 'name="h-0-9" aria-label="09:00" checked' in form  # office hours to start from
    assert "Netherlands (NL)" in form
    post = {"name": "Night desk", "tz": "Europe/Amsterdam", "country": "NL",
            "closed_days": "2026-12-24\n2026-12-31", "h-0-22": "on", "h-0-23": "on",
            "h-1-0": "on", "h-1-1": "on", "h-4-9": "on"}  # fmt: skip
    assert manager.post("/desk/settings/calendars/new/", post).status_code == 302
    saved = BusinessCalendar.objects.get(name="Night desk")
    assert saved.spec == {
        "tz": "Europe/Amsterdam",
        "week": {
            "mon": [["22:00", "24:00"]],
            "tue": [["00:00", "02:00"]],
            "fri": [["09:00", "10:00"]],
        },
        "holidays": ["2026-12-24", "2026-12-31"],
        "country": "NL",
    }
    assert AuditEntry.objects.filter(action="setting_created", data__section="calendars").exists()
    page = manager.get(f"/desk/settings/calendars/{saved.pk}/").content.decode()
    assert 'name="h-1-1" aria-label="01:00" checked' in page
    assert "upcoming-holidays" in page


def test_calendar_mistakes_are_explained(desk: Desk) -> None:
    manager = _as(desk.manager)
    page = manager.post(
        "/desk/settings/calendars/new/",
        {"name": "Bad", "tz": "Europe/Amsterdam", "country": "", "subdiv": "BY",
         "closed_days": "24-12-2026"},
    ).content.decode()  # fmt: skip
    assert "is not a date like 2026-12-24" in page
    assert "Choose the country first" in page
    assert "Tick the hours the desk is open" in page
    assert not BusinessCalendar.objects.filter(name="Bad").exists()


def test_policy_targets_are_validated_saved_and_audited(desk: Desk) -> None:
    calendar = _calendar()
    manager = _as(desk.manager)
    base = {"name": "Standard", "calendar": calendar.pk, "warn_percent": "80", "is_active": "on"}
    bad = manager.post(
        "/desk/settings/sla/new/",
        {**base, f"t-{Priority.URGENT}-first_response_minutes": "600",
         f"t-{Priority.URGENT}-resolution_minutes": "60"},
    ).content.decode()  # fmt: skip
    assert "cannot be due after the resolution" in bad
    assert not Policy.objects.exists()
    ok = manager.post(
        "/desk/settings/sla/new/",
        {**base, f"t-{Priority.URGENT}-first_response_minutes": "30",
         f"t-{Priority.URGENT}-resolution_minutes": "240"},
    )  # fmt: skip
    assert ok.status_code == 302
    policy = Policy.objects.get()
    target = Target.objects.get(policy=policy)
    assert (target.priority, target.first_response_minutes, target.resolution_minutes) == (
        Priority.URGENT, 30, 240,
    )  # fmt: skip
    audited = AuditEntry.objects.filter(data__section="sla").values_list("action", flat=True)
    assert sorted(audited) == ["setting_changed", "setting_created"]  # the policy, its targets
    # clearing a priority's targets removes them
    manager.post(f"/desk/settings/sla/{policy.pk}/", base)
    assert not Target.objects.filter(policy=policy).exists()


def test_an_agent_cannot_change_sla(desk: Desk) -> None:
    calendar = _calendar()
    agent = _as(desk.agent)
    assert (
        agent.post("/desk/settings/sla/new/", {"name": "X", "calendar": calendar.pk}).status_code
        == 403
    )
    assert agent.get(f"/desk/settings/calendars/{calendar.pk}/").status_code == 403
