"""Fixtures for the messenger tests: the fake Bot API and Cloud API on loopback (loopback
opened for the address guard, as an admin would with LOKET_HTTP_ALLOWED_NETWORKS), a bot in
each mode and a WhatsApp number."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from loket.messengers.models import Mode, TelegramBot, WhatsAppNumber
from tests.conftest import Desk
from tests.messengers.fakes import MessengerApi, messenger_api

BOT_TOKEN = "123456:TEST-token_abc"
POLL_TOKEN = "654321:POLL-token_xyz"
WA_TOKEN = "EAAG-test-access-token"
APP_SECRET = "meta-app-secret"
PHONE_ID = "1065550001"


@pytest.fixture
def api(settings: Any) -> Iterator[MessengerApi]:
    with messenger_api() as fake:
        settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]
        settings.TELEGRAM_API_BASE = fake.telegram_base
        settings.WHATSAPP_API_BASE = fake.whatsapp_base
        settings.MESSENGER_TIMEOUT_SECONDS = 5  # loopback answers slowly on a busy machine
        fake.add_bot(BOT_TOKEN)
        fake.add_bot(POLL_TOKEN)
        fake.add_whatsapp_token(WA_TOKEN)
        yield fake


@pytest.fixture
def bot(desk: Desk) -> TelegramBot:
    return TelegramBot.objects.create(
        name="Shop bot", slug="shop", token=BOT_TOKEN, team=desk.first_line, mode=Mode.WEBHOOK
    )


@pytest.fixture
def poll_bot(desk: Desk) -> TelegramBot:
    return TelegramBot.objects.create(
        name="Back office bot", slug="office", token=POLL_TOKEN, team=desk.first_line,
        mode=Mode.POLL,
    )  # fmt: skip


@pytest.fixture
def number(desk: Desk) -> WhatsAppNumber:
    return WhatsAppNumber.objects.create(
        name="Shop WhatsApp", slug="shop-wa", phone_number_id=PHONE_ID, access_token=WA_TOKEN,
        app_secret=APP_SECRET, team=desk.first_line,
        templates="follow_up | nl | We hebben nieuws over je vraag.\nsurvey | en | How did we do?",
    )  # fmt: skip
