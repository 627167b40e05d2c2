from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from loket.mail.content import inspect


class Command(BaseCommand):
    help = "Look at e-mail the way Loket reads it. 'loket mail inspect FILE.eml --json'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        one = sub.add_parser(
            "inspect", help="show what Loket makes of one message (stores nothing)"
        )
        one.add_argument("file", help="an .eml file ('-' for standard input)")
        one.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "inspect":  # pragma: no cover - argparse enforces the choice
            raise CommandError("unknown action")
        path = options["file"]
        if path == "-":
            import sys

            raw = sys.stdin.buffer.read()
        else:
            try:
                raw = Path(path).read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        result = inspect(raw, own_addresses=(settings.DEFAULT_FROM_EMAIL.lower(),))
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        sender = result["from"] or {}
        automatic = "no"
        if result["auto_submitted"]:
            automatic = "yes: " + ", ".join(result["loop_reasons"])
        lines = [
            f"Message-ID:  {result['message_id'] or '(none)'}",
            f"From:        {sender.get('name', '')} <{sender.get('address', '')}>",
            f"Subject:     {result['subject']}",
            f"Language:    {result['language'] or '?'}",
            f"Automatic:   {automatic}",
            f"Attachments: {', '.join(a['filename'] for a in result['attachments']) or '-'}",
            f"Defects:     {'; '.join(result['defects']) or '-'}",
            "",
            result["visible_text"],
        ]
        self.stdout.write("\n".join(lines))
