"""``loket telegram poll`` against the fake Bot API: getUpdates with the stored offset, so a
poller stopped at any point resumes where it stopped and stores nothing twice."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import CommandError, call_command

from loket.messengers import poll
from loket.messengers.models import TelegramBot
from loket.tickets.models import Message
from tests.messengers.conftest import BOT_TOKEN, POLL_TOKEN
from tests.messengers.fakes import Failure, MessengerApi, telegram_update

pytestmark = pytest.mark.django_db


def _poll_once() -> str:
    out = io.StringIO()
    call_command("telegram", "poll", "--once", "--wait", "0", stdout=out)
    return out.getvalue()


def test_polling_takes_the_waiting_updates_and_resumes_after_them(
    api: MessengerApi, poll_bot: TelegramBot
) -> None:
    api.queue_update(POLL_TOKEN, telegram_update(100, text="Eerste"))
    api.queue_update(POLL_TOKEN, telegram_update(101, text="Tweede"))
    assert "2 update(s)" in _poll_once()
    poll_bot.refresh_from_db()
    assert poll_bot.poll_offset == 102
    assert [m.body for m in Message.objects.order_by("pk")] == ["Eerste", "Tweede"]
    # a new poller (after a restart) asks from the stored offset: the fake API then forgets
    # the confirmed updates, as Telegram does
    api.queue_update(POLL_TOKEN, telegram_update(102, text="Derde"))
    assert "1 update(s)" in _poll_once()
    assert api.calls("getUpdates")[-1].body["offset"] == 102
    assert Message.objects.count() == 3


def test_a_poller_killed_before_saving_its_offset_stores_nothing_twice(
    api: MessengerApi, poll_bot: TelegramBot
) -> None:
    api.queue_update(POLL_TOKEN, telegram_update(200, text="Een"))
    _poll_once()
    # as if the process died after storing the update but before moving the offset
    TelegramBot.objects.filter(pk=poll_bot.pk).update(poll_offset=0)
    api.queue_update(POLL_TOKEN, telegram_update(200, text="Een"))  # Telegram sends it again
    _poll_once()
    assert Message.objects.count() == 1
    poll_bot.refresh_from_db()
    assert poll_bot.poll_offset == 201


def test_a_failing_update_stops_the_round_and_is_taken_next_time(
    api: MessengerApi, poll_bot: TelegramBot
) -> None:
    api.add_file("doc", "documents/x.pdf", b"%PDF-1.4")
    api.queue_update(POLL_TOKEN, telegram_update(300, text="Voor"))
    api.queue_update(
        POLL_TOKEN, telegram_update(301, text="Met bijlage", document={"file_id": "doc"})
    )
    api.fail("getFile", Failure(status=500))
    _poll_once()
    poll_bot.refresh_from_db()
    assert poll_bot.poll_offset == 301  # stopped before the update that failed
    assert "500" in poll_bot.last_error or "refused" in poll_bot.last_error
    _poll_once()
    poll_bot.refresh_from_db()
    assert poll_bot.poll_offset == 302 and poll_bot.last_error == ""
    assert Message.objects.count() == 2


def test_rate_limits_and_bad_tokens_are_kept_on_the_bot(
    api: MessengerApi, poll_bot: TelegramBot
) -> None:
    api.fail("getUpdates", Failure(status=429, retry_after=3))
    _poll_once()
    poll_bot.refresh_from_db()
    assert "3" in poll_bot.last_error
    TelegramBot.objects.filter(pk=poll_bot.pk).update(token="1:revoked")
    _poll_once()
    poll_bot.refresh_from_db()
    assert "Unauthorized" in poll_bot.last_error


# Transactional: the poller thread reads the bots while the test waits for it; inside the test's
# open transaction SQLite's shared in-memory database would answer it "table is locked".
@pytest.mark.django_db(transaction=True)
def test_the_poller_stops_when_told_and_without_polling_bots_refuses_to_start(
    api: MessengerApi, poll_bot: TelegramBot
) -> None:
    stop = threading.Event()
    api.queue_update(POLL_TOKEN, telegram_update(400, text="Hoi"))
    worker = threading.Thread(target=poll.run, args=(stop,), kwargs={"wait": 1})
    worker.start()
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
    TelegramBot.objects.all().delete()
    with pytest.raises(CommandError):
        _poll_once()


def test_register_the_webhook_with_telegram(api: MessengerApi, bot: TelegramBot) -> None:
    out = io.StringIO()
    call_command("telegram", "webhook", bot.slug, stdout=out)
    [call] = api.calls("setWebhook")
    assert call.body["url"].endswith(f"/hooks/telegram/{bot.slug}/")
    assert call.body["secret_token"] == bot.webhook_secret
    assert api.state.webhooks[BOT_TOKEN]
