"""Is this node ready to serve? ``/readyz`` and ``loket check --deploy`` ask the same checks.

Each check is cheap (a few milliseconds; ``tests/jobs/test_ready.py`` measures them):

* ``database``: one ``SELECT 1``;
* ``migrations``: the applied migrations (one small table) against the ones this code ships
  (read from disk once per process): a node started before ``loket migrate`` is not ready;
* ``secret_key``: every node must sign with the same key. An HMAC of it (never the key) sits
  in a row the first node writes; a node whose key gives another HMAC is not ready, unless it
  holds the recorded key among its fallbacks (a rotation: it then records its new key);
* ``cache``: a write and a read through the shared cache (Redis when configured);
* ``storage``: a small file written and removed (remembered for ``STORAGE_OK_SECONDS`` once
  it worked, so an S3 store is not written on every probe);
* ``queues``: no queue has tasks that have waited past ``LOKET_HEALTH_QUEUE_STUCK_SECONDS``
  with its workers claiming nothing (a queue without any worker is ``/healthz``'s business:
  workers may start after the web nodes).
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

STORAGE_OK_SECONDS = 30.0
_DIGEST_MESSAGE = b"loket secret key stamp v1"
_lock = threading.Lock()
_shipped: set[tuple[str, str]] | None = None
_storage_ok_at: float | None = None


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def key_digest(key: str) -> str:
    return hmac.new(key.encode("utf-8"), _DIGEST_MESSAGE, hashlib.sha256).hexdigest()


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, f"the database does not answer: {str(exc)[:200]}")
    return Check("database", True, connection.vendor)


def _shipped_migrations() -> set[tuple[str, str]]:
    global _shipped
    with _lock:
        if _shipped is None:
            loader = MigrationLoader(None, ignore_no_migrations=True)
            _shipped = set(loader.disk_migrations)
        return _shipped


def check_migrations() -> Check:
    shipped = _shipped_migrations()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = {(app, name) for app, name in cursor.fetchall()}
    except DatabaseError:
        return Check("migrations", False, "the database has no tables yet: run `loket migrate`")
    missing = sorted(shipped - applied)
    if missing:
        shown = ", ".join(f"{app}.{name}" for app, name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return Check(
            "migrations",
            False,
            f"{len(missing)} migration(s) not applied ({shown}{more}): run `loket migrate` "
            "before starting this node",
        )
    return Check("migrations", True, f"{len(applied)} applied")


def check_secret_key() -> Check:
    """Compares (and on first use records) the desk's secret key stamp."""
    from loket.jobs.models import SecretKeyStamp

    mine = key_digest(settings.SECRET_KEY)
    fallbacks = {key_digest(k) for k in getattr(settings, "SECRET_KEY_FALLBACKS", [])}
    try:
        with transaction.atomic():
            stamp, created = SecretKeyStamp.objects.get_or_create(
                pk=1, defaults={"digest": mine, "recorded_by": socket.gethostname()[:255]}
            )
            if created or hmac.compare_digest(stamp.digest, mine):
                return Check("secret_key", True, "recorded" if created else "matches")
            if stamp.digest in fallbacks:
                # This node rotated the key: the others should follow (or have its old one
                # among their fallbacks); the stamp now names the new key.
                SecretKeyStamp.objects.filter(pk=1, digest=stamp.digest).update(
                    digest=mine, recorded_by=socket.gethostname()[:255]
                )
                return Check("secret_key", True, "rotated")
    except DatabaseError as exc:
        return Check("secret_key", False, f"cannot read the key stamp: {str(exc)[:200]}")
    when = stamp.recorded_at.strftime("%Y-%m-%d %H:%M")
    return Check(
        "secret_key",
        False,
        "LOKET_SECRET_KEY differs from the key the other nodes of this desk sign with "
        f"(recorded by {stamp.recorded_by or 'another node'} at {when} UTC): every node needs "
        "the same key, or sign-ins and links break between nodes. When rotating, keep the "
        "old key in LOKET_SECRET_KEY_FALLBACKS.",
    )


def check_cache() -> Check:
    key = f"loket:ready:{uuid.uuid4().hex}"
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        cache.set(key, 1, timeout=30)
        found = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # any client's connection error
        return Check("cache", False, f"the shared cache ({backend}) fails: {str(exc)[:200]}")
    if found != 1:
        return Check("cache", False, f"the shared cache ({backend}) did not keep a value")
    return Check("cache", True, backend)


def _storage_problem(exc: Exception) -> str:
    text = str(exc)
    options = settings.STORAGES["default"].get("OPTIONS", {})
    if "NoSuchBucket" in text or "Not Found" in text or "404" in text:
        return (
            f"the storage bucket {options.get('bucket_name')!r} does not exist "
            f"(LOKET_STORAGE_URL): create it, or correct the URL ({text[:120]})"
        )
    where = options.get("bucket_name") or options.get("location") or "?"
    return f"cannot write files to the storage ({where}): {text[:200]}"


def check_storage(now: Callable[[], float] = time.monotonic) -> Check:
    global _storage_ok_at
    if _storage_ok_at is not None and now() - _storage_ok_at < STORAGE_OK_SECONDS:
        return Check("storage", True, "writable")
    name = f"ready/{socket.gethostname()[:60]}-{uuid.uuid4().hex}.probe"
    try:
        stored = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(stored)
    except Exception as exc:  # any storage backend's error
        _storage_ok_at = None
        return Check("storage", False, _storage_problem(exc))
    _storage_ok_at = now()
    return Check("storage", True, "writable")


def forget_storage() -> None:
    """Makes the next check write again (tests, and after a storage setting changed)."""
    global _storage_ok_at
    _storage_ok_at = None


def check_queues() -> Check:
    from loket.jobs.health import STUCK, assess

    try:
        health = assess()
    except DatabaseError as exc:
        return Check("queues", False, f"cannot read the queues: {str(exc)[:200]}")
    stuck = [q.detail for q in health.queues if q.problem == STUCK]
    if stuck:
        return Check("queues", False, "; ".join(stuck))
    return Check("queues", True, f"{sum(q.ready for q in health.queues)} ready")


def assess() -> list[Check]:
    """Every check, in order; the later ones are skipped when the database is not there."""
    checks = [check_database()]
    if not checks[0].ok:
        return checks
    checks.append(check_migrations())
    if checks[-1].ok:
        checks.append(check_secret_key())
        checks.append(check_queues())
    if checks[-1].ok or "DatabaseCache" not in settings.CACHES["default"]["BACKEND"]:
        checks.append(check_cache())  # (the database's cache table comes with the migrations)
    checks.append(check_storage())
    return checks
