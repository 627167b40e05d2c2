"""The desk's settings pages for bots and numbers (admins only), secrets sealed at rest and
never shown again, and the sections in the settings area."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from loket.lib.sealed import is_sealed
from loket.messengers.models import Mode, TelegramBot, WhatsAppNumber
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _as(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_an_admin_adds_a_bot_whose_token_is_sealed_and_never_shown_again(desk: Desk) -> None:
    admin = _as(desk.admin)
    assert admin.get("/desk/messengers/bots/").status_code == 200
    response = admin.post("/desk/messengers/bots/new/", {
        "name": "Shop bot", "slug": "shop", "token": "123456:SECRET-abc", "mode": Mode.POLL,
        "team": desk.first_line.pk, "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    bot = TelegramBot.objects.get()
    assert bot.token == "123456:SECRET-abc"
    raw = _stored("messengers_telegrambot", "token", bot.pk)
    assert is_sealed(raw) and "SECRET" not in raw
    assert is_sealed(_stored("messengers_telegrambot", "webhook_secret", bot.pk))
    page = admin.get(f"/desk/messengers/bots/{bot.pk}/").content.decode()
    assert "SECRET-abc" not in page and "loket telegram poll" in page
    # saved again with the token left empty: the token stays
    admin.post(f"/desk/messengers/bots/{bot.pk}/", {
        "name": "Shop bot 2", "slug": "shop", "token": "", "mode": Mode.WEBHOOK,
        "team": desk.first_line.pk, "active": "on", "new_secret": "1",
    })  # fmt: skip
    old_secret = bot.webhook_secret
    bot.refresh_from_db()
    assert bot.name == "Shop bot 2" and bot.token == "123456:SECRET-abc"
    assert bot.webhook_secret != old_secret
    page = admin.get(f"/desk/messengers/bots/{bot.pk}/").content.decode()
    assert "/hooks/telegram/shop/" in page


@pytest.mark.parametrize(
    "changes", [{"token": "no colon"}, {"slug": "Bad Slug!"}, {"token": ""}, {"team": "999"}]
)
def test_bad_bot_settings_are_refused_with_a_reason(desk: Desk, changes: dict[str, str]) -> None:
    data = {"name": "B", "slug": "b", "token": "1:x", "mode": Mode.POLL, "team": desk.first_line.pk}
    response = _as(desk.admin).post("/desk/messengers/bots/new/", {**data, **changes})
    assert response.status_code == 200 and b"errorlist" in response.content
    assert not TelegramBot.objects.exists()


def test_an_admin_adds_a_whatsapp_number_with_sealed_secrets_and_templates(desk: Desk) -> None:
    admin = _as(desk.admin)
    response = admin.post("/desk/messengers/numbers/new/", {
        "name": "Shop", "slug": "shop-wa", "phone_number_id": "1065550001",
        "access_token": "EAAG-secret", "app_secret": "app-secret", "team": desk.first_line.pk,
        "templates": "follow_up | nl | Nieuws over je vraag", "active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    number = WhatsAppNumber.objects.get()
    assert number.template_choices() == [("follow_up", "nl", "Nieuws over je vraag")]
    for column in ("access_token", "app_secret", "verify_token"):
        assert is_sealed(_stored("messengers_whatsappnumber", column, number.pk))
    page = admin.get(f"/desk/messengers/numbers/{number.pk}/").content.decode()
    assert "EAAG-secret" not in page and "app-secret" not in page
    assert number.verify_token in page and "/hooks/whatsapp/shop-wa/" in page
    bad = admin.post("/desk/messengers/numbers/new/", {
        "name": "X", "slug": "x", "phone_number_id": "abc", "access_token": "t",
        "app_secret": "s", "team": desk.first_line.pk, "templates": "only-a-name",
    })  # fmt: skip
    assert bad.status_code == 200 and bad.content.count(b"errorlist") >= 2


def test_only_admins_open_the_settings_pages_and_the_sections_are_listed(desk: Desk) -> None:
    for url in ("/desk/messengers/bots/", "/desk/messengers/bots/new/",
                "/desk/messengers/numbers/", "/desk/messengers/numbers/new/"):  # fmt: skip
        assert _as(desk.agent).get(url).status_code == 404
        assert _as(desk.manager).get(url).status_code == 404
    settings_page = _as(desk.admin).get("/desk/settings/").content.decode()
    assert (
        "/desk/messengers/bots/" in settings_page and "/desk/messengers/numbers/" in settings_page
    )
    agent_page = _as(desk.agent).get("/desk/settings/").content.decode()
    assert "/desk/messengers/bots/" not in agent_page and "/desk/messengers/contacts/" in agent_page
