"""Run in a process of its own by tests/mail/test_memory.py: ingests one mail file and prints
one JSON object with the peak memory (ru_maxrss) the import added, in bytes.

The baseline is taken after Django and every module the import uses are loaded and before
the mail is read, so the figure counts the mail's bytes and every copy made of them.
"""

from __future__ import annotations

import json
import os
import resource
import sys


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KB on Linux


def main(path: str) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    import django

    django.setup()
    from loket.mail.ingest import ingest
    from loket.mail.models import Mailbox
    from loket.tickets.models import Attachment

    mailbox = Mailbox.objects.create(name="memory", address="support@loket.test")
    ingest(b"From: warm@acme.test\r\nSubject: warm\r\n\r\nwarm up\r\n", mailbox)
    before = _peak()
    with open(path, "rb") as handle:
        raw = handle.read()
    result = ingest(raw, mailbox)
    return {
        "status": result.status,
        "reason": result.reason,
        "size": len(raw),
        "added": _peak() - before,
        "attachments": Attachment.objects.count(),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
