"""Messenger benchmark: Telegram and WhatsApp webhooks into tickets, redelivery, replies out.

A fresh SQLite database (or ``--database-url postgres://…bench…``, emptied first) and the fake
Bot API / Cloud API of ``tests/messengers/fakes.py`` on loopback. In this process, through
Django's request handling (the same view code a web process runs):

- ``updates`` Telegram updates (one chat per five updates, every tenth with a document that is
  fetched with getFile and downloaded) and ``updates / 2`` signed WhatsApp messages are posted
  to the webhooks: ``telegram_p50_ms`` / ``telegram_p95_ms``, ``whatsapp_p95_ms``,
  ``intake_per_s`` (both together);
- every Telegram update is delivered again: ``redelivery_p95_ms``; ``stored_twice`` counts
  messages stored a second time (must be 0);
- an agent answers ``replies`` of the tickets and the worker's task sends them to the fake API:
  ``send_p95_ms`` per reply (task run, HTTP call, state saved);
- ``errors``: answers other than 200 and replies not sent.

The last line of output is one JSON object.

    .venv/bin/python bench/messengers.py --quick     # 100 updates, 10 replies
    .venv/bin/python bench/messengers.py             # 5,000 updates, 500 replies
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def _fresh_pg(db_url: str) -> None:
    import psycopg

    name = db_url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit("the PostgreSQL database name must contain 'bench' (it is emptied)")
    with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--updates", type=int, default=None)
    parser.add_argument("--replies", type=int, default=None)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    updates = args.updates or (100 if args.quick else 5000)
    replies = args.replies or (10 if args.quick else 500)

    sys.path.insert(0, str(ROOT))
    from tests.messengers.fakes import messenger_api, telegram_update, wa_text, whatsapp_payload

    with (
        tempfile.TemporaryDirectory(prefix="loket-bench-messengers-") as tmp,
        messenger_api() as api,
    ):
        db_url = args.database_url or f"sqlite:///{tmp}/loket.sqlite3"
        if args.database_url:
            _fresh_pg(db_url)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="loket.settings",
            LOKET_DATA_DIR=tmp,
            LOKET_DATABASE_URL=db_url,
            LOKET_LOG_LEVEL="ERROR",
            LOKET_AXES_ENABLED="0",
            LOKET_ALLOWED_HOSTS="testserver",
            LOKET_HTTP_ALLOWED_NETWORKS="127.0.0.0/8",
            LOKET_TELEGRAM_API_BASE=api.telegram_base,
            LOKET_WHATSAPP_API_BASE=api.whatsapp_base,
        )
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client
        from django.utils.module_loading import import_string
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from loket.accounts.models import Role, Team, User
        from loket.messengers.models import Delivery, DeliveryState, TelegramBot, WhatsAppNumber
        from loket.tickets import actions
        from loket.tickets.models import Message, Ticket

        call_command("migrate", verbosity=0)
        team = Team.objects.order_by("pk").first()
        assert team is not None
        agent = User.objects.create_user(
            "agent@bench.example", role=Role.AGENT, display_name="Anna"
        )
        agent.teams.add(team)
        token, wa_token, app_secret = "4242:bench-token", "bench-wa-token", "bench-app-secret"
        api.add_bot(token)
        api.add_whatsapp_token(wa_token)
        api.add_file("doc", "documents/bon.pdf", b"%PDF-1.4 " + b"x" * 20_000)
        bot = TelegramBot.objects.create(name="Bench", slug="bench", token=token, team=team)
        WhatsAppNumber.objects.create(
            name="Bench WA", slug="bench-wa", phone_number_id="1065550001",
            access_token=wa_token, app_secret=app_secret, team=team,
        )  # fmt: skip
        client = Client()
        errors = 0
        telegram_ms: list[float] = []
        bodies = []
        for i in range(updates):
            extra: dict[str, Any] = {}
            if i % 10 == 9:
                extra = {"document": {"file_id": "doc", "file_name": "bon.pdf"}}
            update = telegram_update(i + 1, user_id=700_000 + i // 5, text=f"Vraag {i}", **extra)
            bodies.append(json.dumps(update))
        header = {"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret}
        started = time.perf_counter()
        for body in bodies:
            t0 = time.perf_counter()
            response = client.post(
                "/hooks/telegram/bench/", body, content_type="application/json", headers=header
            )
            telegram_ms.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code != 200
        whatsapp_ms: list[float] = []
        for i in range(updates // 2):
            payload = whatsapp_payload(
                "1065550001", wa_text(f"wamid.B{i}", f"Hoi {i}"), wa_id=f"3161{i // 5:07d}"
            )
            raw = json.dumps(payload).encode()
            signature = "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
            t0 = time.perf_counter()
            response = client.post(
                "/hooks/whatsapp/bench-wa/", raw, content_type="application/json",
                headers={"X-Hub-Signature-256": signature},
            )  # fmt: skip
            whatsapp_ms.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code != 200
        intake_seconds = time.perf_counter() - started
        stored = Message.objects.count()
        redelivery_ms: list[float] = []
        for body in bodies:
            t0 = time.perf_counter()
            response = client.post(
                "/hooks/telegram/bench/", body, content_type="application/json", headers=header
            )
            redelivery_ms.append((time.perf_counter() - t0) * 1000)
            errors += response.status_code != 200
        stored_twice = Message.objects.count() - stored

        tickets = list(Ticket.objects.order_by("pk")[:replies])
        for ticket in tickets:
            actions.reply(ticket, body="Dank je, we kijken ernaar.", by=agent)
        send_ms: list[float] = []
        for row in DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, queue_name="notify"
        ).order_by("enqueued_at", "id"):
            DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
            task = import_string(row.task_path)
            t0 = time.perf_counter()
            task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
            send_ms.append((time.perf_counter() - t0) * 1000)
        not_sent = Delivery.objects.exclude(state=DeliveryState.SENT).count()
        errors += not_sent + abs(len(api.sent) - len(tickets))

        result = {
            "benchmark": "messengers",
            "database": "postgresql" if args.database_url else "sqlite",
            "updates": updates,
            "whatsapp_messages": updates // 2,
            "tickets": Ticket.objects.count(),
            "messages": stored,
            "telegram_p50_ms": _percentile(telegram_ms, 0.5),
            "telegram_p95_ms": _percentile(telegram_ms, 0.95),
            "whatsapp_p95_ms": _percentile(whatsapp_ms, 0.95),
            "intake_per_s": round((updates + updates // 2) / intake_seconds, 1),
            "redelivery_p95_ms": _percentile(redelivery_ms, 0.95),
            "stored_twice": stored_twice,
            "replies": len(tickets),
            "send_p50_ms": round(statistics.median(send_ms), 2) if send_ms else 0.0,
            "send_p95_ms": _percentile(send_ms, 0.95),
            "errors": errors,
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main()
