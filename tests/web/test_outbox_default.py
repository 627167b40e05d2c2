"""Without a mail server configured, Loket keeps outgoing mail as files in its data directory
(the demo's console was flooded with printed mails); with LOKET_SMTP_HOST it uses SMTP."""

from __future__ import annotations

import os
import subprocess
import sys


def _backend(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_SMTP")}
    clean.pop("LOKET_EMAIL_BACKEND", None)
    clean.pop("PYTEST_VERSION", None)
    clean.update(env, DJANGO_SETTINGS_MODULE="loket.settings")
    code = "import django; django.setup(); from django.conf import settings as s; " \
        "print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH)"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return out.stdout.strip()


def test_no_mail_server_means_files_in_the_data_directory(tmp_path: object) -> None:
    backend, path = _backend({"LOKET_DATA_DIR": str(tmp_path)}).split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == f"{tmp_path}/outbox"


def test_a_mail_server_means_smtp(tmp_path: object) -> None:
    backend, _path = _backend(
        {"LOKET_DATA_DIR": str(tmp_path), "LOKET_SMTP_HOST": "mx.example"}
    ).split()
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
