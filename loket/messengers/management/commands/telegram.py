"""``loket telegram poll`` (long polling, for desks without a public address) and
``loket telegram webhook`` (tell Telegram the desk's webhook address and secret)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from loket.messengers import poll, telegram
from loket.messengers.errors import ApiError
from loket.messengers.models import Mode, TelegramBot


class Command(BaseCommand):
    help = "Telegram bots: poll for updates, or register the webhook address."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("poll", help="long-poll the bots in polling mode until stopped")
        p.add_argument("--bot", default="", help="only this bot (short name)")
        p.add_argument("--once", action="store_true", help="one round, then stop")
        p.add_argument("--wait", type=int, default=25, help="seconds each getUpdates waits")
        w = sub.add_parser("webhook", help="register a webhook-mode bot's address with Telegram")
        w.add_argument("bot", help="the bot's short name")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "poll":
            self._poll(options)
        else:
            self._webhook(options["bot"])

    def _poll(self, options: dict[str, Any]) -> None:
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        if not poll.polling_bots(options["bot"]):
            raise CommandError(
                "no active bot in polling mode"
                + (f" named {options['bot']}" if options["bot"] else "")
            )
        done = poll.run(
            stop, slug=options["bot"], wait=max(0, min(options["wait"], 50)), once=options["once"]
        )
        self.stdout.write(f"{done} update(s) taken")

    def _webhook(self, slug: str) -> None:
        bot = TelegramBot.objects.filter(slug=slug, mode=Mode.WEBHOOK).first()
        if bot is None:
            raise CommandError(f"no bot in webhook mode named {slug}")
        url = str(settings.BASE_URL).rstrip("/") + reverse("telegram_hook", args=[bot.slug])
        try:
            telegram.call(
                bot.token,
                "setWebhook",
                {
                    "url": url,
                    "secret_token": bot.webhook_secret,
                    "allowed_updates": ["message", "edited_message"],
                },
            )
        except ApiError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"webhook set: {url}")
