"""``{% fragment %}``: the desk's navigation rendered once per role and language, then reused;
what differs by role or language still differs."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from loket.tickets.templatetags import fragments


@pytest.fixture(autouse=True)
def empty_fragments() -> None:
    fragments.clear()


def test_a_fragment_is_rendered_once_per_key_and_language() -> None:
    template = Template('{% load fragments %}{% fragment "t" role %}{{ n }}{% endfragment %}')
    assert template.render(Context({"role": "agent", "n": 1})) == "1"
    # Same key and language: the first rendering is served (the contract: nothing inside may
    # depend on anything but the keys).
    assert template.render(Context({"role": "agent", "n": 2})) == "1"
    assert template.render(Context({"role": "admin", "n": 3})) == "3"
    with translation.override("nl"):
        assert template.render(Context({"role": "agent", "n": 4})) == "4"


def _nav(client: Client) -> str:
    html = client.get("/desk/").content.decode()
    start = html.index('<nav class="mainnav">')
    return html[start : html.index("</nav>", start)]


def test_the_desk_navigation_follows_the_role_and_the_language(desk) -> None:
    agent, admin = Client(), Client()
    agent.force_login(desk.agent)
    admin.force_login(desk.admin)
    for _ in range(2):  # the second round is served from the fragments
        agent_nav, admin_nav = _nav(agent), _nav(admin)
        assert "/desk/settings/" in agent_nav and "Knowledge base" in agent_nav
        assert "Webhooks" not in agent_nav and "Health" not in agent_nav
        assert "Webhooks" in admin_nav and "Health" in admin_nav
    desk.agent.language = "nl"
    desk.agent.save(update_fields=["language"])
    dutch = _nav(agent)
    assert "Kennisbank" in dutch and "Knowledge base" not in dutch
    assert "Knowledge base" in _nav(admin)
