"""Attachments: size limit with a clear error and nothing half-written, harmless display names,
types judged by content (never an inline-safe image unless the bytes are one), generated names
on disk."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from loket.lib.files import (
    SAFE_INLINE_SIGNATURES,
    AttachmentRejected,
    display_name,
    read_checked,
    sniff_type,
)
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel, Event, Message, Ticket
from tests.tickets.conftest import PNG, snapshot, stored_files


def _open(desk, attachments):
    return actions.create_ticket(
        subject="With files",
        body="See attached.",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
        attachments=attachments,
    )


def test_oversized_attachment_is_refused_and_no_ticket_is_created(desk, media, settings):
    # given a limit of 1000 bytes
    settings.MAX_ATTACHMENT_BYTES = 1000
    # when a customer opens a ticket with a fine file and one of 1001 bytes
    with pytest.raises(AttachmentRejected) as refused:
        _open(desk, [NewAttachment("ok.png", PNG), NewAttachment("big.bin", b"x" * 1001)])
    # then the error names the file's size and the limit in words a person reads
    reason = str(refused.value).replace("\xa0", " ")  # sizes use no-break spaces
    assert reason == "The file is 1001 bytes; the limit is 1000 bytes."
    # and nothing at all was written: no ticket, message, event, attachment row or file
    assert not Ticket.objects.exists() and not Message.objects.exists()
    assert not Event.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []


def test_limit_in_megabytes_reads_well(settings):
    settings.MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
    with pytest.raises(AttachmentRejected, match=r"is 30\.0\sMB; the limit is 25\.0\sMB"):
        read_checked(SimpleUploadedFile("big.bin", b"x" * (30 * 1024 * 1024)))


def test_file_exactly_at_the_limit_is_accepted(desk, media, settings):
    settings.MAX_ATTACHMENT_BYTES = len(PNG)
    ticket = _open(desk, [NewAttachment("ok.png", PNG)])
    assert Attachment.objects.get().message.ticket_id == ticket.pk
    assert len(stored_files(media)) == 1


def test_oversized_attachment_on_a_reply_keeps_the_ticket_as_it_was(desk, media, settings):
    ticket = _open(desk, [])
    before = snapshot(ticket)
    settings.MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(AttachmentRejected):
        actions.reply(ticket, body="Here", by=desk.agent, attachments=[NewAttachment("a", PNG)])
    # the reply was not sent: the customer's message still waits, nothing was stored
    assert snapshot(ticket) == before
    assert stored_files(media) == []


def test_stored_file_gets_a_generated_name_and_the_exact_bytes(desk, media):
    data = PNG + b"payload"
    _open(desk, [NewAttachment("../../x.php.png", data)])
    attachment = Attachment.objects.get()
    # the name on disk is generated; nothing the sender chose reaches the file system
    assert re.fullmatch(r"att/\d{4}/\d{2}/[0-9a-f]{32}", attachment.file.name)
    assert "php" not in attachment.file.name and ".." not in attachment.file.name
    (path,) = stored_files(media)
    assert path.read_bytes() == data and media in path.parents
    # the display name is harmless, size and hash recorded
    assert attachment.filename == "x.php.png"
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


def test_two_uploads_with_the_same_name_do_not_collide(desk, media):
    _open(desk, [NewAttachment("report.pdf", b"%PDF-1"), NewAttachment("report.pdf", b"%PDF-2")])
    names = {a.file.name for a in Attachment.objects.all()}
    assert len(names) == 2 and len(stored_files(media)) == 2


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\eve\\invoice.pdf", "invoice.pdf"),
        ("/var/www/html/shell.php", "shell.php"),
        ("in\u200bvo\u200dice\u2060.pdf", "invoice.pdf"),  # zero-width characters
        ("\ufeffreport.pdf", "report.pdf"),  # byte order mark
        ("photo\u202egpj.exe", "photogpj.exe"),  # right-to-left override
        ("line\r\nbreak\x00.txt", "linebreak.txt"),  # control characters
        (".htaccess", "htaccess"),
        ("..", "attachment"),
        ("", "attachment"),
        ("   ", "attachment"),
        ("x.php.png", "x.php.png"),  # only shown; the type comes from the bytes
        ("cafe\u0301.txt", "caf\u00e9.txt"),  # normalised to NFC
    ],
)
def test_display_names_are_harmless(raw, shown):
    assert display_name(raw) == shown


def test_display_name_is_bounded():
    assert len(display_name("a" * 1000 + ".pdf")) == 200


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script>"
PHP = b"<?php system($_GET['c']); ?>"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "application/octet-stream"),  # RIFF, not WebP
        (b"%PDF-1.7\n", "application/pdf"),
        (SVG, "application/octet-stream"),
        (b"<svg onload=alert(1)>", "application/octet-stream"),
        (HTML, "application/octet-stream"),
        (PHP, "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_type_is_judged_by_content(data, expected):
    assert sniff_type(data[:16]) == expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.php.png", PHP),
        ("logo.svg", SVG),
        ("logo.png", SVG),
        ("page.html", HTML),
        ("image.gif", HTML),
    ],
)
def test_script_content_is_never_stored_as_an_inline_safe_image(desk, media, name, data):
    _open(desk, [NewAttachment(name, data)])
    attachment = Attachment.objects.get()
    assert attachment.content_type not in SAFE_INLINE_SIGNATURES
    assert attachment.content_type == "application/octet-stream"


def test_read_checked_returns_bytes_type_and_hash(settings):
    data, kind, digest = read_checked(SimpleUploadedFile("a.png", PNG))
    assert (data, kind, digest) == (PNG, "image/png", hashlib.sha256(PNG).hexdigest())
    settings.MAX_ATTACHMENT_BYTES = 4
    with pytest.raises(AttachmentRejected):
        read_checked(SimpleUploadedFile("a.png", PNG))
