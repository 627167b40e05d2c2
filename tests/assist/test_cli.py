"""``loket assist analyze``: standard input or a file, text or JSON."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def test_analyze_a_file_as_json(tmp_path: Path) -> None:
    message = tmp_path / "m.txt"
    message.write_text("Sehr geehrte Damen und Herren, können Sie mir dringend helfen?", "utf-8")
    out = io.StringIO()
    call_command("assist", "analyze", "--json", "--file", str(message), stdout=out)
    data = json.loads(out.getvalue())
    assert data["language"] == "de"
    assert data["formality"]["value"] == "formal"
    assert set(data) >= {"language", "formality", "mood", "urgency", "questions", "secrets"}
    assert data["urgency"]["value"] == "high"


def test_analyze_reads_standard_input_through_the_loket_command() -> None:
    loket = Path(sys.executable).with_name("loket")
    done = subprocess.run(
        [str(loket), "assist", "analyze"],
        input="Привет! Можешь помочь? Сайт не работает, срочно!".encode(),
        capture_output=True,
        timeout=120,
        check=True,
    )
    text = done.stdout.decode()
    assert "language:  ru" in text and "formality: informal" in text and "urgency:   high" in text
    binary = subprocess.run(
        [str(loket), "assist", "analyze", "--json"], input=bytes(range(256)) * 100,
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert json.loads(binary.stdout.decode().strip().splitlines()[-1])["language"] == "unknown"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("assist", "analyze", "--file", str(tmp_path / "nope.txt"))
