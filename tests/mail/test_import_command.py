"""`loket import-mail PATH…`: .eml files, folders, Maildir and mbox; safe to run again."""

from __future__ import annotations

import io
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.mail.models import Mailbox, MailRecord, Quarantine
from loket.mail.sources import read_mbox, read_path
from loket.tickets.models import Ticket
from tests.mail.conftest import CORPUS, build


def _mbox(messages: list[bytes]) -> bytes:
    out = b""
    for raw in messages:
        body = b"\n".join(
            (b">" + line if line.lstrip(b">").startswith(b"From ") else line)
            for line in raw.replace(b"\r\n", b"\n").split(b"\n")
        )
        out += b"From sender@example.test Mon Mar  4 10:00:00 2024\n" + body + b"\n\n"
    return out


def test_mbox_reader_splits_and_unescapes_from_lines():
    raw = [
        build(message_id="<a@x.test>", body="First.\nFrom here on it is quoted.\n"),
        build(message_id="<b@x.test>", body="Second."),
    ]
    items = list(read_mbox(io.BytesIO(_mbox(raw))))
    assert len(items) == 2
    assert b"\nFrom here on it is quoted." in items[0].raw
    assert items[1].raw.rstrip().endswith(b"Second.")


def test_mbox_is_read_one_message_at_a_time(tmp_path):
    # given a large mbox
    path = tmp_path / "big.mbox"
    path.write_bytes(_mbox([build(message_id=f"<m{i}@x.test>") for i in range(2000)]))
    # when the first message is taken from the reader
    with path.open("rb") as handle:
        first = next(read_mbox(handle))
        # then only a little of the file has been read
        assert handle.tell() < path.stat().st_size // 10
    assert b"<m0@x.test>" in first.raw


def test_import_eml_folder_maildir_and_mbox_then_again(desk, tmp_path):
    # given a folder of .eml files, a Maildir and an mbox
    folder = tmp_path / "eml"
    folder.mkdir()
    for name in ("gmail_reply_en.eml", "new_nl_iphone.eml", "iso2022jp.eml"):
        shutil.copy(CORPUS / name, folder / name)
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1710000000.1.host").write_bytes(build(message_id="<md1@acme.test>"))
    (maildir / "cur" / "1710000001.2.host:2,S").write_bytes(build(message_id="<md2@acme.test>"))
    mbox = tmp_path / "archive.mbox"
    mbox.write_bytes(_mbox([build(message_id=f"<mb{i}@acme.test>") for i in range(3)]))
    out = StringIO()
    # when all are imported
    call_command("import-mail", str(folder), str(maildir), str(mbox), "--quiet", stdout=out)
    # then every message is stored once
    assert "8 messages: 8 stored, 0 already there, 0 quarantined" in out.getvalue()
    assert MailRecord.objects.count() == 8
    assert Mailbox.objects.get(name="import").stored_count == 8
    # and a second run stores nothing new
    out = StringIO()
    call_command("import-mail", str(folder), str(maildir), str(mbox), "--quiet", stdout=out)
    assert "8 messages: 0 stored, 8 already there, 0 quarantined" in out.getvalue()
    assert MailRecord.objects.count() == 8


def test_import_the_whole_corpus_quarantines_nothing_it_can_store(desk):
    out = StringIO()
    call_command("import-mail", str(CORPUS), "--mailbox", "corpus", "--quiet", stdout=out)
    total = len(list(CORPUS.glob("*.eml")))
    assert f"{total} messages:" in out.getvalue()
    assert Quarantine.objects.count() == 0
    assert Ticket.objects.exists()


def test_import_missing_path_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import-mail", str(tmp_path / "nope"), "--quiet")


def test_read_path_single_eml():
    items = list(read_path(CORPUS / "noreply.eml"))
    assert len(items) == 1 and items[0].raw == (CORPUS / "noreply.eml").read_bytes()
