"""Memory: importing a mail near the size limit, with big base64 attachments, peaks under
three times the largest allowed mail (it once took ten times its size).

Measured in a process of its own (``memory_probe.py``): ru_maxrss is a high-water mark, so
only a fresh process says what one import added.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.mail.conftest import build

MAX_MB = 60  # the default MAIL_MAX_MB


def _near_the_limit(count: int) -> bytes:
    # base64 makes 4 bytes of 3 (plus line ends): 57 MB of mail in ``count`` attachments
    each = int(57 * 1024 * 1024 / 1.37 / count)
    return build(
        attachments=[
            (f"scan-{i}.bin", "application/octet-stream", os.urandom(each)) for i in range(count)
        ]
    )


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
    # given a 57 MB mail (the limit is 60 MB) with four attachments of 10 MB each
    raw = _near_the_limit(4)
    assert 55 * 2**20 < len(raw) < MAX_MB * 2**20
    # when it is imported in a fresh process
    result = _probe(tmp_path, raw)
    # then it is stored whole, and the import added less than three times the largest mail
    assert result["status"] == "stored", result
    assert result["attachments"] == 4
    added = result["added"]
    assert isinstance(added, int) and added < 3 * MAX_MB * 2**20, f"{added / 2**20:.0f} MB"
