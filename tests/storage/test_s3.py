"""Attachments, raw mail and article files on S3-compatible storage (moto's server on
loopback): stored in the bucket, never on local disk, and served only through the access
checks, streamed by Loket (no bucket URL ever reaches a browser)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.test import Client

from loket.kb import actions as kb_actions
from loket.kb.models import Status, Visibility
from loket.mail.models import Mailbox, MailRecord
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel
from tests.conftest import Desk
from tests.jobs.live import REPO
from tests.mail.conftest import build
from tests.storage.conftest import KEY, REGION, S3, SECRET

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_given_s3_when_a_ticket_gets_an_attachment_then_it_is_in_the_bucket_and_served_checked(
    desk: Desk, s3: S3, client: Client
) -> None:
    ticket = actions.create_ticket(
        subject="Broken banner",
        body="See the log.",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
        attachments=[NewAttachment("server.log", b"500 500 500"), NewAttachment("s.png", PNG)],
    )
    stored = Attachment.objects.filter(message__ticket=ticket).order_by("pk")
    log, image = list(stored)
    assert sorted(s3.names()) == sorted([log.file.name, image.file.name])
    assert s3.read(log.file.name) == b"500 500 500"

    client.force_login(desk.acme_bob)  # same organisation
    response = client.get(f"/attachments/{log.pk}/")
    assert response.status_code == 200
    assert _body(response) == b"500 500 500"
    assert response["Content-Disposition"].startswith("attachment")
    assert "amazonaws" not in str(response.headers) and s3.endpoint not in str(response.headers)
    response = client.get(f"/attachments/{image.pk}/")
    assert response["Content-Type"] == "image/png" and _body(response) == PNG

    client.force_login(desk.globex_carol)  # another organisation: as if it did not exist
    assert client.get(f"/attachments/{log.pk}/").status_code == 404


def test_given_s3_when_the_object_is_gone_then_the_download_is_404_not_500(
    desk: Desk, s3: S3, client: Client
) -> None:
    ticket = actions.create_ticket(
        subject="Gone",
        body="x",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
        attachments=[NewAttachment("a.txt", b"abc")],
    )
    item = Attachment.objects.get(message__ticket=ticket)
    s3.client.delete_object(Bucket=s3.bucket, Key=item.file.name)
    client.force_login(desk.agent)
    assert client.get(f"/attachments/{item.pk}/").status_code == 404


def test_given_s3_when_mail_arrives_then_raw_mail_and_its_attachment_are_in_the_bucket(
    desk: Desk, s3: S3
) -> None:
    from loket.mail.ingest import ingest

    mailbox = Mailbox.objects.create(name="support", address="support@loket.test")
    raw = build(attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 invoice")])
    result = ingest(raw, mailbox)
    assert result.status == "stored"
    record = MailRecord.objects.get(pk=result.record.pk) if result.record else None
    assert record is not None and record.raw.name in s3.names()
    assert s3.read(record.raw.name) == raw
    attachment = Attachment.objects.get(message__ticket=result.ticket)
    assert s3.read(attachment.file.name) == b"%PDF-1.4 invoice"
    # The same mail again: recognised, and its raw file not written a second time.
    again = ingest(raw, mailbox)
    assert again.status != "stored"
    assert sum(k.startswith("mail/raw/") for k in s3.names()) == 1


def test_given_s3_when_an_article_gets_a_file_then_readers_get_it_and_others_do_not(
    desk: Desk, s3: S3, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    public = kb_actions.create_article(
        by=desk.agent, language="en", title="Set up", status=Status.PUBLISHED
    )
    internal = kb_actions.create_article(
        by=desk.agent,
        language="en",
        title="Runbook",
        status=Status.PUBLISHED,
        visibility=Visibility.INTERNAL,
    )
    shown = kb_actions.add_file(public.article, name="diagram.png", data=PNG, by=desk.agent)
    secret = kb_actions.add_file(internal.article, name="keys.txt", data=b"s3cr3t", by=desk.agent)
    assert {shown.file.name, secret.file.name} <= set(s3.names())

    assert _body(client.get(f"/help/files/{shown.pk}/")) == PNG  # anyone may read it
    assert client.get(f"/help/files/{secret.pk}/").status_code == 404
    client.force_login(desk.agent)
    assert _body(client.get(f"/help/files/{secret.pk}/")) == b"s3cr3t"

    with django_capture_on_commit_callbacks(execute=True):
        kb_actions.remove_file(secret, by=desk.agent)
    assert secret.file.name not in s3.names()


def test_given_s3_when_ready_is_asked_then_storage_is_writable_and_leaves_nothing(
    db: None, s3: S3, client: Client
) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert body["checks"]["storage"] == {"ok": True, "detail": "writable"}
    assert s3.names() == []  # the probe file was removed


def test_given_a_missing_bucket_when_ready_is_asked_then_503_names_the_bucket(
    db: None, s3: S3, client: Client, settings: Any
) -> None:
    from loket.jobs import ready
    from loket.lib.deployconf import default_storage_config

    url = f"s3://no-such-bucket?endpoint={s3.endpoint}&region={REGION}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_config(url, settings.MEDIA_ROOT, KEY, SECRET),
    }
    ready.forget_storage()
    response = client.get("/readyz")
    assert response.status_code == 503
    problem = response.json()["checks"]["storage"]["detail"]
    assert "'no-such-bucket' does not exist" in problem


def test_given_a_missing_bucket_when_check_deploy_runs_then_it_says_so(
    s3: S3, tmp_path: Any
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        LOKET_DATA_DIR=str(tmp_path / "data"),
        LOKET_DATABASE_URL=f"sqlite:///{tmp_path}/check.sqlite3",
        LOKET_STORAGE_URL=f"s3://missing-bucket?endpoint={s3.endpoint}&region={REGION}",
        LOKET_STORAGE_ACCESS_KEY=KEY,
        LOKET_STORAGE_SECRET_KEY=SECRET,
    )
    out = subprocess.run(
        [sys.executable, "-m", "loket.cli", "check", "--deploy"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode != 0
    assert "loket.E024" in out.stderr
    assert "the storage bucket 'missing-bucket' does not exist" in out.stderr
