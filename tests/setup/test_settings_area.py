"""The settings area lists what each person may open, and nothing else."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import Desk


def _sections(client: Client) -> set[str]:
    response = client.get("/desk/settings/")
    assert response.status_code == 200
    html = response.content.decode()
    return {part.split('"')[0] for part in html.split('data-section="')[1:]}


@pytest.mark.django_db
def test_agent_sees_agent_sections_only(client: Client, desk: Desk) -> None:
    client.force_login(desk.agent)
    seen = _sections(client)
    assert {"organisations", "monitors", "shifts"} <= seen
    assert "webhooks" not in seen and "health" not in seen and "security" not in seen


@pytest.mark.django_db
def test_admin_sees_admin_sections(client: Client, desk: Desk) -> None:
    client.force_login(desk.admin)
    seen = _sections(client)
    assert {"webhooks", "chat_channels", "health", "security"} <= seen


@pytest.mark.django_db
def test_customer_is_kept_out(client: Client, desk: Desk) -> None:
    client.force_login(desk.acme_alice)
    response = client.get("/desk/settings/")
    assert response.status_code in (302, 403, 404)
