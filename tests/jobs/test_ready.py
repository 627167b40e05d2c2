"""/readyz and ``loket check --deploy``: a node that must not take traffic says why: database,
migrations not applied, another secret key than the other nodes, a cache (Redis) that does not
answer, storage that cannot be written, a stuck queue. And both health answers are cheap."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from loket.jobs import ready
from loket.jobs.heartbeat import Heartbeat
from loket.jobs.models import SecretKeyStamp
from tests.jobs import tasks_for_tests
from tests.jobs.live import REPO, free_port


def _ready(client: Client) -> tuple[int, dict[str, Any]]:
    ready.forget_storage()
    response = client.get("/readyz")
    body = response.json()
    assert body["status"] == ("ok" if response.status_code == 200 else "not_ready")
    return response.status_code, body


def test_readyz_is_200_on_a_desk_that_is_set_up(db: None, client: Client) -> None:
    status, body = _ready(client)
    assert status == 200, body
    assert set(body["checks"]) == {
        "database", "migrations", "secret_key", "queues", "cache", "storage"
    }  # fmt: skip
    assert body["problems"] == []


def test_readyz_names_a_migration_that_is_not_applied(db: None, client: Client) -> None:
    # given a node whose code ships a migration the database has not got
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'jobs' AND name LIKE '0003_%'")
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["migrations"]["ok"] is False
    assert "jobs.0003_secretkeystamp" in body["problems"][0]
    assert "loket migrate" in body["problems"][0]


def test_readyz_refuses_a_node_with_another_secret_key(
    db: None, client: Client, settings: Any
) -> None:
    # given a first node that recorded its key
    settings.SECRET_KEY = "first-" + "k" * 50
    assert _ready(client)[0] == 200
    assert SecretKeyStamp.objects.get().digest == ready.key_digest(settings.SECRET_KEY)
    assert settings.SECRET_KEY not in SecretKeyStamp.objects.get().digest  # an HMAC, not the key
    # when a node starts with another key
    settings.SECRET_KEY = "second-" + "k" * 50
    status, body = _ready(client)
    # then it is not ready, and says what to do
    assert status == 503
    assert "LOKET_SECRET_KEY differs" in body["checks"]["secret_key"]["detail"]
    assert "LOKET_SECRET_KEY_FALLBACKS" in body["checks"]["secret_key"]["detail"]


def test_a_rotation_with_the_old_key_as_fallback_is_ready_and_moves_the_stamp(
    db: None, client: Client, settings: Any
) -> None:
    old, new = "old-" + "k" * 50, "new-" + "k" * 50
    settings.SECRET_KEY = old
    assert _ready(client)[0] == 200
    # when a node comes up with the new key and the old one as fallback
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new, [old]
    status, body = _ready(client)
    assert status == 200 and body["checks"]["secret_key"]["detail"] == "rotated"
    # then a node still on the old key alone is the odd one out
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old, []
    assert _ready(client)[0] == 503


def test_readyz_names_storage_that_cannot_be_written(
    db: None, client: Client, settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "files")},
        },
    }
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["storage"]["ok"] is False
    assert "cannot write files to the storage" in body["checks"]["storage"]["detail"]


def test_readyz_names_a_redis_cache_that_does_not_answer(
    db: None, client: Client, settings: Any
) -> None:
    from loket.lib.deployconf import redis_cache_config

    settings.CACHES = {"default": redis_cache_config(f"redis://127.0.0.1:{free_port()}/0", "x")}
    started = time.monotonic()
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["cache"]["detail"].startswith("the shared cache (RedisCache) fails")
    assert time.monotonic() - started < 10  # refused fast, not hanging


def test_readyz_names_a_stuck_queue_but_not_a_missing_worker(db: None, client: Client) -> None:
    # a queue without workers (they may start after the web nodes) is /healthz's business
    assert _ready(client)[0] == 200
    now = timezone.now()
    beat = Heartbeat(queues=["*"], started_at=now - timedelta(hours=1))
    beat.last_claim_at = now - timedelta(minutes=10)
    beat.write()
    with time_machine.travel(now - timedelta(minutes=10)):
        tasks_for_tests.echo.using(queue_name="mail").enqueue("waiting")
    status, body = _ready(client)
    assert status == 503
    assert "queue 'mail'" in body["checks"]["queues"]["detail"]


def test_readyz_and_healthz_are_cheap(db: None, client: Client) -> None:
    """Measured: the median of 40 answers each, storage probe remembered as a node would."""
    timings: dict[str, list[float]] = {"/readyz": [], "/healthz?live=1": []}
    client.get("/readyz")
    for _ in range(40):
        for url, found in timings.items():
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            found.append((time.perf_counter() - started) * 1000)
    medians = {url: statistics.median(v) for url, v in timings.items()}
    print("health answer medians (ms):", {k: round(v, 2) for k, v in medians.items()})
    assert medians["/readyz"] < 100, medians  # about 2 ms (SQLite) on an idle machine
    assert medians["/healthz?live=1"] < 50, medians


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    base.update(
        LOKET_DATA_DIR=str(tmp_path / "data"),
        LOKET_DATABASE_URL=f"sqlite:///{tmp_path}/node.sqlite3",
    )
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "loket.cli", "check", "--deploy"],
        env=base, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_catches_a_node_started_before_migrations(tmp_path: Path) -> None:
    out = _check_deploy(tmp_path)
    assert out.returncode != 0
    assert "(loket.E021) migrations: the database has no tables yet: run `loket migrate`" in (
        out.stderr
    )


def test_check_deploy_catches_an_unreachable_redis(tmp_path: Path) -> None:
    out = _check_deploy(tmp_path, LOKET_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert out.returncode != 0
    assert "(loket.E023) cache: the shared cache (RedisCache) fails" in out.stderr


def test_a_bad_storage_or_redis_url_stops_the_start_with_a_clear_message(
    tmp_path: Path,
) -> None:
    out = _check_deploy(tmp_path, LOKET_STORAGE_URL="ftp://files.example/x")
    assert out.returncode != 0
    assert "LOKET_STORAGE_URL 'ftp://files.example/x': use s3://bucket" in out.stderr
    out = _check_deploy(tmp_path, LOKET_REDIS_URL="http://user:pw@cache.example")
    assert out.returncode != 0
    assert "LOKET_REDIS_URL 'http://user:***@cache.example': use redis://" in out.stderr


def test_in_production_the_health_answers_are_not_redirected_to_https(
    db: None, client: Client, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True  # as LOKET_PRODUCTION=1 sets it
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz?live=1").status_code == 200
    assert client.get("/desk/").status_code == 301  # everything else still goes to https
