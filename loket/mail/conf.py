"""Mail settings. Each is a Django setting if the project defines it, else a ``LOKET_MAIL_*``
environment variable, else the default shown here."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from loket.lib import memo


def _int(name: str, default: int) -> int:
    """Read once per batch of bulk work (``loket.lib.memo``), else every time."""
    return memo.remember(("mail.conf", name, default), lambda: _read_int(name, default))


def _read_int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is not None:
        return int(value)
    raw = os.environ.get(f"LOKET_{name}", "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"LOKET_{name} must be a whole number, got {raw!r}") from None


def _list(name: str) -> list[str]:
    value = getattr(settings, name, None)
    if value is not None:
        return [str(v).strip().lower() for v in value if str(v).strip()]
    raw = os.environ.get(f"LOKET_{name}", "")
    return [v.strip().lower() for v in raw.split(",") if v.strip()]


def max_message_bytes() -> int:
    """Larger mail is quarantined unread (default 60 MB: 50 MB of attachments, encoded)."""
    return _int("MAIL_MAX_MB", 60) * 1024 * 1024


def new_tickets_per_hour() -> int:
    """New tickets one address may open by mail in an hour; more go to quarantine."""
    return _int("MAIL_NEW_TICKETS_PER_HOUR", 20)


def thread_by_subject_days() -> int:
    """Same sender + same subject within this many days joins the open ticket (0: off)."""
    return _int("MAIL_THREAD_BY_SUBJECT_DAYS", 0)


def trusted_authserv_ids() -> list[str]:
    """authserv-ids of the desk's own receiving servers, whose Authentication-Results count."""
    return _list("MAIL_AUTHSERV_IDS")


def alert_after_minutes() -> int:
    return _int("MAIL_ALERT_AFTER_MINUTES", 30)


def poll_lease_seconds() -> int:
    """How long a poll holds its mailbox without progress before another may take over."""
    return _int("MAIL_POLL_LEASE_SECONDS", 120)


def fetch_batch() -> int:
    return _int("MAIL_FETCH_BATCH", 50)


_own_cache: tuple[float, str, frozenset[str]] | None = None
OWN_CACHE_SECONDS = 30.0


def own_addresses() -> frozenset[str]:
    """The desk's own addresses (mailboxes and the From address), cached for a short while."""
    global _own_cache
    now = time.monotonic()
    sender = settings.DEFAULT_FROM_EMAIL.lower()
    if _own_cache is not None and _own_cache[0] > now and _own_cache[1] == sender:
        return _own_cache[2]
    from loket.mail.models import Mailbox

    addresses = {
        a.lower() for a in Mailbox.objects.exclude(address="").values_list("address", flat=True)
    }
    addresses.add(sender)
    _own_cache = (now + OWN_CACHE_SECONDS, sender, frozenset(addresses))
    return _own_cache[2]


def forget_own_addresses() -> None:
    global _own_cache
    _own_cache = None


def acks_per_hour() -> int:
    """Automatic acknowledgements one address may get in an hour."""
    return _int("MAIL_ACKS_PER_HOUR", 3)


def acknowledge() -> bool:
    """Whether a new ticket opened by mail gets an automatic acknowledgement."""
    return _int("MAIL_ACKNOWLEDGE", 1) != 0


def closing_notice() -> bool:
    """Whether a customer who wrote in by mail is told when their ticket is resolved."""
    return _int("MAIL_CLOSING_NOTICE", 1) != 0


def max_cc() -> int:
    """How many others on the customer's last mail an agent's reply goes to in Cc."""
    return _int("MAIL_MAX_CC", 10)


def max_header_bytes() -> int:
    """A mail whose header block is larger is quarantined unread (default 1 MB)."""
    return _int("MAIL_MAX_HEADER_KB", 1024) * 1024


def max_one_header_bytes() -> int:
    """A mail with one header larger than this is quarantined unread (default 64 KB)."""
    return _int("MAIL_MAX_ONE_HEADER_KB", 64) * 1024


def max_addresses() -> int:
    """A mail naming more addresses (From, Reply-To, To, Cc together) is quarantined."""
    return _int("MAIL_MAX_ADDRESSES", 1000)
