"""Long polling for bots without a public address (``loket telegram poll``).

Each bot's ``poll_offset`` is the next ``update_id`` to ask for; it moves past an update only
after that update is stored, so a poller stopped at any moment resumes where it stopped, and
an update it had stored just before being killed is asked for again and stored once
(``ingest``). An update that fails for a reason a repeat may fix stops that bot's round (tried
again next round); one that can never work is logged and passed.
"""

from __future__ import annotations

import logging
import threading

from loket.messengers import intake, telegram
from loket.messengers.errors import ApiError
from loket.messengers.models import Mode, TelegramBot

log = logging.getLogger(__name__)


def poll_once(bot: TelegramBot, *, wait: int = 25) -> int:
    """One ``getUpdates`` round for ``bot``; how many updates it passed."""
    try:
        updates = telegram.get_updates(bot.token, bot.poll_offset, wait=wait)
    except ApiError as exc:
        _error(bot, str(exc))
        raise
    done = 0
    for update in sorted(updates, key=lambda u: int(u["update_id"])):
        try:
            intake.telegram_update(bot, update)
        except ApiError as exc:
            if not exc.permanent:
                _error(bot, str(exc))
                raise
            log.warning("telegram bot %s: update %s passed: %s", bot.pk, update["update_id"], exc)
        bot.poll_offset = int(update["update_id"]) + 1
        TelegramBot.objects.filter(pk=bot.pk).update(poll_offset=bot.poll_offset, last_error="")
        done += 1
    return done


def _error(bot: TelegramBot, text: str) -> None:
    bot.last_error = text[:500]
    TelegramBot.objects.filter(pk=bot.pk).update(last_error=bot.last_error)


def polling_bots(slug: str = "") -> list[TelegramBot]:
    bots = TelegramBot.objects.filter(active=True, mode=Mode.POLL)
    if slug:
        bots = bots.filter(slug=slug)
    return list(bots)


def run(stop: threading.Event, *, slug: str = "", wait: int = 25, once: bool = False) -> int:
    """Polls every polling bot (or the one named) until ``stop`` is set; updates passed."""
    total = 0
    while not stop.is_set():
        bots = polling_bots(slug)
        for bot in bots:
            try:
                total += poll_once(bot, wait=0 if len(bots) > 1 else wait)
            except ApiError as exc:
                log.warning("telegram bot %s: %s", bot.pk, exc)
                if not once:
                    stop.wait(5)
        if once:
            break
        if not bots or len(bots) > 1:
            stop.wait(2 if bots else 30)
    return total
