"""`loket mail inspect FILE.eml --json` prints what Loket makes of a message, storing nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

from django.core.management import call_command

from tests.mail.conftest import CORPUS

KEYS = {
    "message_id", "in_reply_to", "references", "subject", "from", "language", "visible_text",
    "signature", "quoted", "attachments", "defects", "auto_submitted",
}  # fmt: skip


def test_inspect_json_has_the_documented_keys():
    # given a Dutch Outlook reply
    out = StringIO()
    # when it is inspected
    call_command("mail", "inspect", str(CORPUS / "outlook_reply_nl.eml"), "--json", stdout=out)
    result = json.loads(out.getvalue())
    # then every key of the interface is there, with what the reader needs
    assert set(result) >= KEYS
    assert result["from"] == {"name": "Björn Hoekstra", "address": "bjorn@acme.test"}
    assert result["language"] == "nl"
    assert result["in_reply_to"] == ["loket.15.51.zz81ab@loket.test"]
    assert result["visible_text"].endswith("€ 1.520,00.")
    assert result["signature"].endswith("Acme B.V.")
    assert result["quoted"].startswith("____")
    assert result["auto_submitted"] is False


def test_inspect_through_the_loket_command_line():
    # given the installed `loket` entry point; no database is needed to inspect
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "loket.cli",
            "mail",
            "inspect",
            str(CORPUS / "bounce_dsn.eml"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(proc.stdout)
    assert result["auto_submitted"] is True
    assert result["bounce"]["original_message_ids"] == ["loket.55.120.bb77cc@loket.test"]
    assert result["attachments"] == []


def test_inspect_text_output_and_missing_file(tmp_path):
    out = StringIO()
    call_command("mail", "inspect", str(CORPUS / "iso2022jp.eml"), stdout=out)
    assert "請求書について" in out.getvalue()
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("mail", "inspect", str(tmp_path / "missing.eml"))
