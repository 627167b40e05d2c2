"""`loket import-mail` (issue 17 part 3): every regular file of a folder is read whatever its
name, a file that is not a mail is reported by name and counted, nothing imported is an error,
and a folder or mbox is stored oldest first unless --keep-order."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.mail.models import MailRecord
from loket.mail.sources import in_date_order, mail_date, read_mbox, read_path
from tests.mail.conftest import build
from tests.mail.test_import_command import _mbox

DATE = b"Mon, 04 Mar 2024 10:00:00 +0100"  # as build() writes it


def _dated(mid: str, date: str) -> bytes:
    raw = build(message_id=f"<{mid}@acme.test>", subject=f"About {mid}")
    return (
        raw.replace(DATE, date.encode()) if date else raw.replace(b"Date: " + DATE + b"\r\n", b"")
    )


def _stored_order() -> list[str]:
    return list(MailRecord.objects.order_by("pk").values_list("message_id", flat=True))


def test_every_regular_file_is_read_and_non_mail_is_reported_by_name(desk, tmp_path):
    folder = tmp_path / "export"
    (folder / "sub").mkdir(parents=True)
    (folder / "1").write_bytes(_dated("one", "Mon, 4 Mar 2024 10:00:00 +0100"))
    (folder / "two.msg").write_bytes(_dated("two", "Mon, 4 Mar 2024 11:00:00 +0100"))
    (folder / "sub" / "three.txt").write_bytes(_dated("three", "Mon, 4 Mar 2024 12:00:00 +0100"))
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200))
    (folder / "notes.txt").write_text("Remember: call back.\n\nTo: do\nDate: today\n")
    (folder / "empty").write_bytes(b"")
    out, err = StringIO(), StringIO()
    call_command("import-mail", str(folder), "--quiet", stdout=out, stderr=err)
    assert "3 messages: 3 stored, 0 already there, 0 quarantined; 3 files not mail" in (
        out.getvalue()
    )
    for name in ("photo.jpg", "notes.txt", "empty"):
        assert str(folder / name) in err.getvalue()
    assert "binary file" in err.getvalue() and "empty file" in err.getvalue()
    assert sorted(_stored_order()) == ["one@acme.test", "three@acme.test", "two@acme.test"]


def test_maildir_reads_cur_and_new_whatever_the_names(desk, tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "a").write_bytes(_dated("md1", "Tue, 5 Mar 2024 10:00:00 +0000"))
    (maildir / "cur" / "b:2,S").write_bytes(_dated("md2", "Mon, 4 Mar 2024 10:00:00 +0000"))
    (maildir / "cur" / "junk").write_bytes(b"\x00\x01\x02")
    out, err = StringIO(), StringIO()
    call_command("import-mail", str(maildir), "--quiet", stdout=out, stderr=err)
    assert "2 messages: 2 stored" in out.getvalue() and "1 files not mail" in out.getvalue()
    assert str(maildir / "cur" / "junk") in err.getvalue()
    assert _stored_order() == ["md2@acme.test", "md1@acme.test"]  # oldest first


def test_nothing_importable_is_an_error_with_the_reason(db, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n\x00\x01binary")
    (folder / "list.csv").write_text("name,address\nAlice,alice@acme.test\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported: 2 files were read and none"):
        call_command("import-mail", str(folder), "--quiet", stdout=StringIO(), stderr=err)
    assert "report.pdf" in err.getvalue() and "list.csv" in err.getvalue()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CommandError, match="nothing imported: no files with mail"):
        call_command("import-mail", str(empty), "--quiet", stdout=StringIO())
    assert not MailRecord.objects.exists()


def test_a_single_file_that_is_not_mail_is_an_error(db, tmp_path):
    file = tmp_path / "picture.png"
    file.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    with pytest.raises(CommandError, match="none of them is a mail"):
        call_command("import-mail", str(file), "--quiet", stdout=StringIO(), stderr=StringIO())


FOLDER_DATES = [  # file name order differs from date order; one mail has no Date
    ("a", "Wed, 6 Mar 2024 09:00:00 +0000"),
    ("b", "Mon, 4 Mar 2024 09:00:00 +0000"),
    ("c", ""),
    ("d", "Tue, 5 Mar 2024 09:00:00 +0000"),
    ("e", "Mon, 4 Mar 2024 09:00:00 +0000"),  # same time as b: file order decides
    ("f", "Mon, 4 Mar 2024 08:30:00 -0100"),  # 09:30 UTC: after b and e
]


def test_folder_is_stored_oldest_first_unless_keep_order(desk, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    for name, date in FOLDER_DATES:
        (folder / f"{name}.eml").write_bytes(_dated(name, date))
    call_command("import-mail", str(folder), "--quiet", stdout=StringIO())
    assert _stored_order() == [f"{n}@acme.test" for n in ("b", "e", "f", "d", "a", "c")]
    MailRecord.objects.all().delete()
    call_command("import-mail", str(folder), "--quiet", "--keep-order", stdout=StringIO())
    assert _stored_order() == [f"{n}@acme.test" for n, _ in FOLDER_DATES]


def test_mbox_is_stored_oldest_first_and_read_again_byte_exact(desk, tmp_path):
    raws = [_dated(name, date) for name, date in FOLDER_DATES]
    raws[2] = (
        raws[2]
        .replace(b"About c", b"About c\r\nX-Note: y")
        .replace(b"Our banner", b"From here on\r\n>From there on. Our banner")
    )
    mbox = tmp_path / "archive"
    mbox.write_bytes(_mbox(raws))
    # the second pass reads exactly what the first pass read
    first = {item.origin: item.raw for item in read_mbox(mbox.open("rb"), str(mbox))}
    again = {item.origin: item.raw for item in in_date_order(read_path(mbox))}
    assert again == first
    assert list(again) == [f"{mbox}#{i}" for i in (2, 5, 6, 4, 1, 3)]
    call_command("import-mail", str(mbox), "--quiet", stdout=StringIO())
    assert _stored_order() == [f"{n}@acme.test" for n in ("b", "e", "f", "d", "a", "c")]


@pytest.mark.parametrize(
    ("header", "iso"),
    [
        (b"Date: Mon, 4 Mar 2024 10:00:00 +0100", "2024-03-04T09:00:00+00:00"),
        (b"date:\r\n Mon, 4 Mar 2024 10:00:00 -0000", "2024-03-04T10:00:00+00:00"),
        (b"Date: not a date", "9999-12-31T23:59:59.999999+00:00"),
    ],
)
def test_mail_date_reads_the_header_block_only(header, iso):
    raw = (
        b"From: a@b.test\r\n"
        + header
        + b"\r\nSubject: x\r\n\r\nDate: Tue, 1 Jan 2030 00:00:00 +0000\r\n"
    )
    assert mail_date(raw).isoformat() == iso
