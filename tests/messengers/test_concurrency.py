"""Redelivery racing the first delivery (PostgreSQL, real concurrent transactions): the
unique key on the update decides, not a check-then-insert, so the update is stored once; two
first messages of one new person at once make one contact and one ticket."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from loket.messengers.models import Contact, Conversation, Inbound, TelegramBot
from loket.tickets.models import Message, Ticket
from tests.messengers.fakes import MessengerApi, telegram_update

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="Concurrent writers are tested on PostgreSQL (SQLite runs one writer at a time).",
    ),
]


def _all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _post(bot: TelegramBot, update: dict[str, Any]) -> Callable[[], int]:
    def post() -> int:
        return Client().post(
            f"/hooks/telegram/{bot.slug}/", json.dumps(update), content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret},
        ).status_code  # fmt: skip

    return post


def test_the_same_update_delivered_four_times_at_once_is_stored_once(
    api: MessengerApi, bot: TelegramBot
) -> None:
    update = telegram_update(77, text="Tegelijk")
    assert _all_at_once([_post(bot, update) for _ in range(4)]) == [200] * 4
    assert Message.objects.count() == 1 and Inbound.objects.count() == 1
    assert Ticket.objects.count() == 1 and Contact.objects.count() == 1


def test_two_first_messages_of_a_new_person_at_once_make_one_ticket(
    api: MessengerApi, bot: TelegramBot
) -> None:
    updates = [telegram_update(80, text="Een"), telegram_update(81, text="Twee")]
    assert _all_at_once([_post(bot, u) for u in updates]) == [200, 200]
    assert Contact.objects.count() == 1 and Conversation.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert sorted(Message.objects.values_list("body", flat=True)) == ["Een", "Twee"]
