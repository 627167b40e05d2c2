"""Polling an IMAP mailbox: by UIDVALIDITY + UID, never by the \\Seen flag.

Per message, in this order: fetch with ``BODY.PEEK[]`` (which leaves \\Seen alone, so someone
reading the mailbox in another client changes nothing), store it (``ingest``, its own
committed transaction), then flag or move it on the server, then move ``last_uid`` past it.
A crash anywhere in between means the message is fetched again next time and found to be a
duplicate: nothing is lost and nothing is stored twice. When UIDVALIDITY changes the server
has renumbered the folder; Loket starts from UID 1 again and deduplication absorbs the rest.

Overlapping polls of one mailbox are prevented by a lease (a conditional UPDATE), and would
be harmless anyway.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient  # type: ignore[import-untyped]

from loket.accounts.models import Role, User
from loket.lib import neterrors, netguard
from loket.lib.mailclients import GuardedIMAPClient
from loket.mail import conf
from loket.mail.ingest import ingest_batch
from loket.mail.models import AfterStore, Mailbox, Security
from loket.mail.pipeline import bulk_import

log = logging.getLogger(__name__)

LOKET_KEYWORD = b"$Loket"
TIMEOUT = 30.0


class MailboxError(Exception):
    """A mailbox that cannot be reached or used, with a reason for the admin."""


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: bool = False  # another poll holds the lease


def secret_error(mailbox: Mailbox) -> str:
    """Why the mailbox cannot log in because a stored secret no longer opens, or ""."""
    unreadable = mailbox.unreadable_secrets
    if not unreadable:
        return ""
    return _(
        "The stored %(secret)s can no longer be decrypted (the secret key changed without the "
        "old key in SECRET_KEY_FALLBACKS). Enter it again in the mailbox settings."
    ) % {"secret": ", ".join(unreadable)}


def connect(
    mailbox: Mailbox,
    *,
    policy: netguard.Policy | None = None,
    resolver: netguard.Resolver = netguard.system_resolver,
    ssl_context: ssl.SSLContext | None = None,
) -> IMAPClient:
    """A logged-in client. The host goes through the address guard first (a private, loopback
    or metadata address is refused before any connection, with the same message whether a
    server listens there or not; ``LOKET_HTTP_ALLOWED_NETWORKS`` opens private networks).
    Plain connections are refused unless every address of the host is on loopback. TLS
    verifies the certificate against ``mailbox.host`` (``ssl_context``: the system's CAs)."""
    if problem := secret_error(mailbox):
        raise MailboxError(problem)
    try:
        target = netguard.resolve(mailbox.host, mailbox.port, policy=policy, resolver=resolver)
    except netguard.Refused as exc:
        raise MailboxError(str(exc)) from exc
    except netguard.NotResolved as exc:
        raise MailboxError(_("Cannot connect: %(error)s") % {"error": exc}) from exc
    if mailbox.security == Security.NONE and not target.on_this_machine:
        raise MailboxError(_("An unencrypted IMAP connection is only allowed on this machine."))
    context = ssl_context or ssl.create_default_context()
    try:
        client = GuardedIMAPClient(
            target,
            ssl=mailbox.security == Security.TLS,
            ssl_context=context,
            timeout=TIMEOUT,
        )
        if mailbox.security == Security.STARTTLS:
            client.starttls(context)
        if mailbox.oauth2_token:
            client.oauth2_login(mailbox.username, mailbox.oauth2_token)
        else:
            client.login(mailbox.username, mailbox.password)
    except (OSError, ssl.SSLError) as exc:
        reason = neterrors.plain(exc)
        raise MailboxError(_("Cannot connect: %(error)s") % {"error": reason}) from exc
    except IMAPClient.Error as exc:
        raise MailboxError(_("The server refused the login: %(error)s") % {"error": exc}) from exc
    return client


def _select(client: IMAPClient, mailbox: Mailbox) -> int:
    readonly = mailbox.after_store == AfterStore.NOTHING
    info: dict[bytes, Any] = client.select_folder(mailbox.folder, readonly=readonly)
    return int(info[b"UIDVALIDITY"])


def _new_uids(client: IMAPClient, after: int) -> list[int]:
    # "N:*" always matches the highest UID, even when it is below N; hence the filter.
    return sorted(int(u) for u in client.search(["UID", f"{after + 1}:*"]) if int(u) > after)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _after_store(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    """Flag or move messages whose storing has committed. Failure here loses nothing."""
    if not uids:
        return
    try:
        if mailbox.after_store == AfterStore.FLAG:
            client.add_flags(uids, [LOKET_KEYWORD], silent=True)
        elif mailbox.after_store == AfterStore.MOVE and mailbox.move_to:
            if client.has_capability("MOVE"):
                client.move(uids, mailbox.move_to)
            else:
                client.copy(uids, mailbox.move_to)
                client.delete_messages(uids, silent=True)
                client.uid_expunge(uids)
    except IMAPClient.Error:
        log.warning("could not flag or move UIDs %s in %s", uids, mailbox, exc_info=True)


def _lease() -> timedelta:
    return timedelta(seconds=conf.poll_lease_seconds())


def _claim(mailbox: Mailbox) -> bool:
    """Takes the mailbox's lease; a poller that was killed loses it when it runs out."""
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + _lease(), last_poll_at=now)
    )


BACKLOG = 500  # new messages from which a poll is run as a bulk import (``bulk_import``)


def poll(mailbox: Mailbox, *, limit: int | None = None) -> PollResult:
    """Fetches and stores every message above the last UID; records the mailbox's health."""
    result = PollResult()
    if not _claim(mailbox):
        result.skipped = True
        return result
    client: IMAPClient | None = None
    try:
        client = connect(mailbox)
        uidvalidity = _select(client, mailbox)
        mailbox.refresh_from_db(fields=["uidvalidity", "last_uid"])
        if mailbox.uidvalidity != uidvalidity:
            if mailbox.uidvalidity is not None:
                log.warning("UIDVALIDITY of %s changed; fetching the folder again", mailbox)
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        uids = _new_uids(client, mailbox.last_uid)
        if limit is not None:
            uids = uids[:limit]
        # A backlog (a new mailbox, a long outage) is a bulk import; a usual poll is not.
        backlog = len(uids) > BACKLOG
        with bulk_import() if backlog else nullcontext():
            _fetch_and_store(client, mailbox, uidvalidity, uids, result)
        _succeeded(mailbox)
    except Exception as exc:
        _failed(mailbox, exc)
        raise
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=None)
        if client is not None:
            try:
                client.logout()
            except Exception:  # the connection may already be gone
                log.debug("logout failed", exc_info=True)
    return result


def _fetch_and_store(
    client: IMAPClient, mailbox: Mailbox, uidvalidity: int, uids: list[int], result: PollResult
) -> None:
    for batch in _chunks(uids, conf.fetch_batch()):
        data = client.fetch(batch, ["BODY.PEEK[]"])
        found = [
            (uid, bytes(data[uid][b"BODY[]"])) for uid in batch if b"BODY[]" in data.get(uid, {})
        ]
        # One transaction for the batch: committed before any message is flagged or
        # moved, and before the last UID moves past them.
        outcomes = ingest_batch(
            [raw for _uid, raw in found],
            mailbox,
            uids=[(uidvalidity, uid) for uid, _raw in found],
        )
        for outcome in outcomes:
            result.fetched += 1
            if outcome.status == "stored":
                result.stored += 1
            elif outcome.status == "duplicate":
                result.duplicates += 1
            else:
                result.quarantined += 1
        _after_store(client, mailbox, [uid for uid, _raw in found])
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_uid=batch[-1],
            fetched_count=F("fetched_count") + len(found),
            lease_until=timezone.now() + _lease(),  # still alive: keep the lease
        )


def check_connection(mailbox: Mailbox) -> dict[str, Any]:
    """Logs in and opens the folder without changing anything (``loket mailbox test``)."""
    client = connect(mailbox)
    try:
        info: dict[bytes, Any] = client.select_folder(mailbox.folder, readonly=True)
        return {
            "uidvalidity": int(info[b"UIDVALIDITY"]),
            "messages": int(info.get(b"EXISTS", 0)),
            "new_since_last_poll": len(_new_uids(client, mailbox.last_uid))
            if mailbox.uidvalidity == int(info[b"UIDVALIDITY"])
            else int(info.get(b"EXISTS", 0)),
        }
    except IMAPClient.Error as exc:
        raise MailboxError(_("Cannot open folder %(folder)s: %(error)s") % {
            "folder": mailbox.folder, "error": exc
        }) from exc  # fmt: skip
    finally:
        try:
            client.logout()
        except Exception:
            log.debug("logout failed", exc_info=True)


# ---------------------------------------------------------------------------------------------
# health


def _succeeded(mailbox: Mailbox) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_success_at=timezone.now(), failing_since=None, last_error="", alert_sent_at=None
    )


def _failed(mailbox: Mailbox, exc: Exception) -> None:
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk, failing_since__isnull=True).update(failing_since=now)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
    mailbox.refresh_from_db()
    alert_if_failing(mailbox)


def alert_if_failing(mailbox: Mailbox) -> bool:
    """Mails the admins once per failure when a mailbox has failed longer than the limit."""
    if mailbox.failing_since is None or mailbox.alert_sent_at is not None:
        return False
    if timezone.now() - mailbox.failing_since < timedelta(minutes=conf.alert_after_minutes()):
        return False
    claimed = Mailbox.objects.filter(pk=mailbox.pk, alert_sent_at__isnull=True).update(
        alert_sent_at=timezone.now()
    )
    if not claimed:
        return False
    admins = list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if admins:
        send_mail(
            subject=_("[%(site)s] Mailbox %(name)s is failing") % {
                "site": settings.SITE_NAME, "name": mailbox.name
            },
            message=_(
                "Loket has not been able to fetch mail from %(name)s since %(since)s.\n\n"
                "Last error: %(error)s"
            ) % {"name": mailbox.name, "since": mailbox.failing_since, "error": mailbox.last_error},
            from_email=None,
            recipient_list=admins,
            fail_silently=True,
        )  # fmt: skip
    return True


def health(mailbox: Mailbox) -> dict[str, Any]:
    """What the admin's health view shows for one mailbox."""
    problem = secret_error(mailbox)
    if not mailbox.enabled:
        state = "disabled"
    elif mailbox.failing_since is not None or (problem and mailbox.host):
        state = "failing"
    elif mailbox.host and mailbox.last_success_at is None:
        state = "never"
    else:
        state = "ok"
    return {
        "name": mailbox.name,
        "state": state,
        "last_success_at": mailbox.last_success_at,
        "failing_since": mailbox.failing_since,
        "last_error": problem or mailbox.last_error,
        "secret_unreadable": bool(problem),
        "fetched": mailbox.fetched_count,
        "stored": mailbox.stored_count,
        "duplicates": mailbox.duplicate_count,
        "quarantined": mailbox.quarantined_count,
        "quarantine_waiting": mailbox.quarantined.count(),
    }
