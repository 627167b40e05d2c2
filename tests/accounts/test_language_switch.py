"""The EN/NL switch in the page header works for signed-in people, whose saved language
otherwise wins over the cookie the switch sets."""

from __future__ import annotations

from django.test import Client

from tests.conftest import Desk


def test_a_signed_in_agent_switches_the_desk_to_english_and_back(desk: Desk) -> None:
    agent = desk.agent
    agent.language = "nl"
    agent.save(update_fields=["language"])
    client = Client()
    client.force_login(agent)
    assert "Nieuw ticket" in client.get("/desk/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})

    assert response.status_code == 302 and response["Location"] == "/desk/"
    page = client.get("/desk/").content.decode()
    assert "New ticket" in page and "Nieuw ticket" not in page
    agent.refresh_from_db()
    assert agent.language == "en"
    client.post("/i18n/setlang/", {"language": "nl", "next": "/desk/"})
    assert "Nieuw ticket" in client.get("/desk/").content.decode()


def test_an_unknown_language_changes_nothing(desk: Desk) -> None:
    client = Client()
    client.force_login(desk.agent)
    before = desk.agent.language
    client.post("/i18n/setlang/", {"language": "xx", "next": "/desk/"})
    desk.agent.refresh_from_db()
    assert desk.agent.language == before


def test_anonymous_visitors_switch_by_cookie() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/help/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "nl"
