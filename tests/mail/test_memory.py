"""Memory: importing a mail near the size limit, with big base64 attachments, peaks under
three times the largest allowed mail (it once took ten times its size).

Measured in a process of its own (``memory_probe.py``): ru_maxrss is a high-water mark, so
only a fresh process says what one import added.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

import pytest

from loket.mail.feed import message_from_bytes
from loket.mail.parse import POLICY, parse
from tests.mail.conftest import CORPUS

MAX_MB = 60  # the default MAIL_MAX_MB


def _near_the_limit(count: int) -> bytes:
    """57 MB of mail: a short text and ``count`` random attachments, base64 in 76-character
    lines as mail programs write them (4 bytes of 3, plus the line ends)."""
    each = int(57 * 2**20 / 1.37 / count)
    parts = [
        b"From: Alice <alice@acme.test>\r\nTo: support@loket.test\r\nSubject: The scans\r\n"
        b"Message-ID: <scans@acme.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b0undary"\r\n\r\n'
        b"--b0undary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe scans.\r\n"
    ]
    for i in range(count):
        parts.append(
            b"--b0undary\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n"
            + f'Content-Disposition: attachment; filename="scan-{i}.bin"\r\n\r\n'.encode()
            + base64.encodebytes(os.urandom(each)).replace(b"\n", b"\r\n")
        )
    parts.append(b"--b0undary--\r\n")
    return b"".join(parts)


def _probe(tmp_path: Path, raw: bytes) -> dict[str, object]:
    mail = tmp_path / "big.eml"
    mail.write_bytes(raw)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        LOKET_DATA_DIR=str(tmp_path / "data"),
        LOKET_DATABASE_URL=f"sqlite:///{tmp_path}/memory.sqlite3",
        LOKET_LOG_LEVEL="ERROR",
        LOKET_MAIL_MAX_MB=str(MAX_MB),
    )
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(root)
    run = {"env": env, "capture_output": True, "text": True, "timeout": 300, "cwd": root}
    subprocess.run([sys.executable, "-m", "loket.cli", "migrate", "-v", "0"], check=True, **run)
    done = subprocess.run(
        [sys.executable, str(root / "tests/mail/memory_probe.py"), str(mail)], **run
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_mail_near_the_size_limit_is_stored_in_under_three_times_its_size(tmp_path):
    # given a 57 MB mail (the limit is 60 MB) with two attachments of 21 MB each
    raw = _near_the_limit(2)
    assert 55 * 2**20 < len(raw) < MAX_MB * 2**20
    # when it is imported in a fresh process
    result = _probe(tmp_path, raw)
    # then it is stored whole, and the import added less than three times the largest mail
    assert result["status"] == "stored", result
    assert result["attachments"] == 2
    added = result["added"]
    assert isinstance(added, int) and added < 3 * MAX_MB * 2**20, f"{added / 2**20:.0f} MB"


def _shape(message: Message) -> list[tuple[object, ...]]:
    return [
        (
            part.get_content_type(),
            None if part.is_multipart() else part.get_payload(),
            part.preamble,
            part.epilogue,
            list(part.raw_items()),
            [type(defect).__name__ for defect in part.defects],
        )
        for part in message.walk()
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_the_memory_saving_feed_builds_the_same_message_as_the_stdlib(name):
    raw = (CORPUS / name).read_bytes()
    assert _shape(message_from_bytes(raw, POLICY)) == _shape(
        BytesParser(policy=POLICY).parsebytes(raw)
    )


def test_the_feed_keeps_base64_looking_text_and_decodes_attachments():
    lines = base64.encodebytes(os.urandom(3000)).replace(b"\n", b"\r\n")
    raw = (
        b'From: a@acme.test\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\n" + lines + b"--b\r\n"
        b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + lines
        + b"--b--\r\n"
    )
    assert _shape(message_from_bytes(raw, POLICY)) == _shape(
        BytesParser(policy=POLICY).parsebytes(raw)
    )
    text, image = parse(raw).text, parse(raw).attachments[0].data
    assert text.replace("\n", "") == lines.decode().replace("\r\n", "")
    assert image == base64.decodebytes(lines)
