"""IMAP polling against a real Dovecot on loopback: UIDs, never \\Seen, flag/move after commit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail as django_mail
from django.core.management import CommandError, call_command

from loket.jobs import scheduler
from loket.mail.imap import LOKET_KEYWORD, MailboxError, connect, health, poll
from loket.mail.models import AfterStore, Mailbox, MailRecord, Quarantine, Security
from loket.tickets.models import Message, Ticket
from tests.mail.conftest import build, eml


def _append(client, *messages: bytes, flags: tuple[bytes, ...] = ()) -> None:
    for raw in messages:
        client.append("INBOX", raw, flags=flags)


def _flags(client) -> dict[int, tuple[bytes, ...]]:
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()}


def test_poll_stores_new_mail_flags_it_and_never_marks_it_read(desk, imap_mailbox, imap_account):
    # given two mails in the INBOX, one of them already read in another mail program
    _user, client = imap_account
    _append(client, build(message_id="<i1@acme.test>"))
    _append(client, build(message_id="<i2@acme.test>", subject="Second"), flags=(rb"\Seen",))
    # when Loket polls
    result = poll(imap_mailbox)
    # then both are stored (the read one too), tagged $Loket, and \Seen was not added
    assert (result.fetched, result.stored) == (2, 2)
    assert Ticket.objects.count() == 2
    flags = _flags(client)
    assert all(LOKET_KEYWORD in f for f in flags.values())
    seen = [uid for uid, f in flags.items() if rb"\Seen" in f]
    assert len(seen) == 1
    # and the UID bookkeeping moved past them, so the next poll fetches nothing
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == max(flags) and imap_mailbox.uidvalidity
    assert poll(imap_mailbox).fetched == 0
    record = MailRecord.objects.get(message_id="i1@acme.test")
    assert record.imap_uid == min(flags) and record.imap_uidvalidity == imap_mailbox.uidvalidity


def test_refetch_after_a_crash_stores_nothing_twice(desk, imap_mailbox, imap_account):
    # given mail that was stored, but whose UID bookkeeping was lost (crash before the update)
    _user, client = imap_account
    _append(client, *[build(message_id=f"<c{i}@acme.test>", subject=f"S{i}") for i in range(5)])
    poll(imap_mailbox)
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(last_uid=0)
    imap_mailbox.refresh_from_db()
    # when the mailbox is polled again
    result = poll(imap_mailbox)
    # then every message is recognised as stored already
    assert (result.fetched, result.stored, result.duplicates) == (5, 0, 5)
    assert Message.objects.count() == 5


def test_uidvalidity_change_fetches_again_without_duplicates(desk, imap_mailbox, imap_account):
    # given a stored mail, then the server renumbers the folder (new UIDVALIDITY)
    _user, client = imap_account
    old = build(message_id="<old@acme.test>")
    _append(client, old)
    poll(imap_mailbox)
    before = Mailbox.objects.get(pk=imap_mailbox.pk).uidvalidity
    client.create_folder("Renumbered")
    client.select_folder("Renumbered")
    client.append("Renumbered", old)
    client.append("Renumbered", build(message_id="<new@acme.test>", subject="New one"))
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(folder="Renumbered")
    imap_mailbox.refresh_from_db()
    # when polled
    result = poll(imap_mailbox)
    # then the old mail is a duplicate and only the new one is stored
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.uidvalidity != before
    assert (result.stored, result.duplicates) == (1, 1)
    assert Ticket.objects.count() == 2


def test_a_broken_mail_does_not_block_the_mailbox(desk, imap_mailbox, imap_account):
    _user, client = imap_account
    _append(
        client,
        build(message_id="<before@acme.test>"),
        b"From: nobody\r\nSubject: broken\r\nMessage-ID: <broken@x.test>\r\n\r\nno sender\r\n",
        eml("broken_charset.eml"),
        build(message_id="<after@acme.test>", subject="After"),
    )
    result = poll(imap_mailbox)
    assert (result.fetched, result.stored, result.quarantined) == (4, 3, 1)
    item = Quarantine.objects.get()
    assert item.imap_uid == 2 and "sender" in item.reason
    imap_mailbox.refresh_from_db()
    assert imap_mailbox.last_uid == 4
    assert health(imap_mailbox)["quarantine_waiting"] == 1


def test_move_after_store(desk, imap_mailbox, imap_account):
    _user, client = imap_account
    client.create_folder("Processed")
    _append(client, build(message_id="<mv@acme.test>"))
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        after_store=AfterStore.MOVE, move_to="Processed"
    )
    imap_mailbox.refresh_from_db()
    assert poll(imap_mailbox).stored == 1
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert client.select_folder("Processed")[b"EXISTS"] == 1


def test_a_second_poll_while_one_runs_is_skipped(desk, imap_mailbox):
    from datetime import timedelta

    from django.utils import timezone

    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert poll(imap_mailbox).skipped


def test_failing_mailbox_health_and_alert_to_admins(desk, imap_mailbox, settings):
    # given a wrong password and an alert threshold of zero minutes
    settings.MAIL_ALERT_AFTER_MINUTES = 0
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(password="wrong")
    imap_mailbox.refresh_from_db()
    # when the poll fails
    with pytest.raises(MailboxError):
        poll(imap_mailbox)
    imap_mailbox.refresh_from_db()
    # then the mailbox shows as failing with the reason, and admins got one mail about it
    state = health(imap_mailbox)
    assert state["state"] == "failing" and "login" in state["last_error"]
    assert [m.to for m in django_mail.outbox] == [[desk.admin.email]]
    with pytest.raises(MailboxError):
        poll(imap_mailbox)
    assert len(django_mail.outbox) == 1  # once per failure, not per poll
    # and when it works again the failure clears
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(password="imap-secret")
    imap_mailbox.refresh_from_db()
    poll(imap_mailbox)
    imap_mailbox.refresh_from_db()
    assert health(imap_mailbox)["state"] == "ok" and imap_mailbox.last_success_at


def test_plain_imap_is_refused_off_loopback(db, settings):
    # given a plain-text mailbox whose host passes the address guard but is not this machine
    # (a documentation network the admin opened, never routed)
    settings.HTTP_ALLOWED_NETWORKS = ["192.0.2.0/24"]
    mailbox = Mailbox.objects.create(
        name="remote", host="imap.example.test", security=Security.NONE, username="x"
    )
    # when Loket connects, then the unencrypted connection is refused before connecting
    with pytest.raises(MailboxError, match="unencrypted"):
        connect(mailbox, resolver=lambda host, port: ["192.0.2.10"])


def test_mailbox_command_add_list_test_poll(desk, dovecot, imap_account, monkeypatch):
    user, client = imap_account
    _append(client, build(message_id="<cmd@acme.test>"))
    monkeypatch.setenv("TEST_IMAP_PASSWORD", "imap-secret")
    out = StringIO()
    call_command(
        "mailbox", "add", "desk", "--address", "help@loket.test", "--host", dovecot.host,
        "--port", str(dovecot.port), "--security", "none", "--username", user,
        "--password-env", "TEST_IMAP_PASSWORD", stdout=out,
    )  # fmt: skip
    assert "Added mailbox desk" in out.getvalue()
    out = StringIO()
    call_command("mailbox", "test", "desk", stdout=out)
    assert "OK, 1 messages in INBOX, 1 not fetched yet" in out.getvalue()
    out = StringIO()
    call_command("mailbox", "poll", "desk", stdout=out)
    assert "stored 1" in out.getvalue()
    out = StringIO()
    call_command("mailbox", "list", stdout=out)
    assert "desk" in out.getvalue() and "ok" in out.getvalue()
    Mailbox.objects.filter(name="desk").update(password="wrong")
    with pytest.raises(CommandError, match="refused the login"):
        call_command("mailbox", "test", "desk")


def test_polling_is_a_periodic_job(db):
    # given the app registry loaded, the mailbox poll is among the scheduler's jobs
    assert any(j.task_path == "loket.mail.tasks.poll_mailboxes" for j in scheduler.PERIODIC)
    from django_tasks_db.models import DBTaskResult

    scheduler.ensure_jobs()
    scheduler.tick()
    assert DBTaskResult.objects.filter(task_path="loket.mail.tasks.poll_mailboxes").exists()


def test_poll_task_polls_every_enabled_mailbox(desk, imap_mailbox, imap_account):
    from loket.mail.tasks import poll_mailboxes

    _user, client = imap_account
    _append(client, build(message_id="<task@acme.test>"))
    Mailbox.objects.create(name="broken", host="127.0.0.1", port=1, security=Security.NONE)
    assert poll_mailboxes.call() == 1


def test_a_poll_that_finds_the_lease_taken_comes_back_once_when_it_runs_out(
    desk, imap_mailbox, imap_account
):
    # given a mail waiting, and the lease still held by a poller that was killed mid-poll
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from loket.mail.tasks import poll_mailbox, poll_mailboxes

    _user, client = imap_account
    _append(client, build(message_id="<lease@acme.test>"))
    held_until = timezone.now() + timedelta(seconds=30)
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(lease_until=held_until)
    # when the poll task runs (the redo the stale-task sweep gave another worker)
    assert poll_mailboxes.call() == 0
    # then it stored nothing, and one follow-up for this mailbox waits for the lease's end
    assert not MailRecord.objects.exists()
    follow_ups = DBTaskResult.objects.filter(task_path="loket.mail.tasks.poll_mailbox")
    assert [f.args_kwargs["args"] for f in follow_ups] == [[imap_mailbox.pk]]
    assert follow_ups.get().run_after >= held_until
    # and when the lease has run out, the follow-up fetches the mail
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(lease_until=timezone.now())
    assert poll_mailbox.call(imap_mailbox.pk) == 1
    assert MailRecord.objects.filter(message_id="lease@acme.test").exists()
    # a follow-up that finds the lease taken again does not chain another one
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(lease_until=held_until)
    assert poll_mailbox.call(imap_mailbox.pk) == 0
    assert follow_ups.count() == 1


def test_oauth2_mailbox_logs_in_with_xoauth2_and_a_refused_token_shows_on_health(
    desk, dovecot, imap_account
):
    # given a Microsoft 365/Google style mailbox: a user name and an OAuth2 access token, no
    # password, on a server that checks tokens with the identity provider (RFC 7662)
    from tests.mail.servers import TOKEN_PREFIX

    user, client = imap_account
    _append(client, build(message_id="<oauth@acme.test>", subject="Via OAuth"))
    mailbox = Mailbox.objects.create(
        name="m365", address="support@loket.test", host=dovecot.host, port=dovecot.port,
        security=Security.NONE, username=user, password="", oauth2_token=TOKEN_PREFIX + user,
    )  # fmt: skip
    # when Loket polls, then it logged in with the token (the provider was asked) and stored
    result = poll(mailbox)
    assert (result.fetched, result.stored) == (1, 1)
    assert TOKEN_PREFIX + user in dovecot.tokens.seen
    assert Ticket.objects.get().subject == "Via OAuth"
    # and when the token has expired, the poll fails with the server's refusal on the health
    Mailbox.objects.filter(pk=mailbox.pk).update(oauth2_token="expired-token")
    mailbox.refresh_from_db()
    with pytest.raises(MailboxError, match="refused the login"):
        poll(mailbox)
    mailbox.refresh_from_db()
    state = health(mailbox)
    assert state["state"] == "failing" and "AUTHENTICATIONFAILED" in state["last_error"]
