"""``loket assist SUBCOMMAND``: the local assistant from the command line.

``analyze [--json] [--file F]`` reads one message (standard input by default) and prints its
language, form of address, mood, urgency, questions and secrets. ``train`` and ``evaluate``
are triage's (``loket.assist.triage_cli``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loket.assist import triage_cli
from loket.assist.analyze import analyze

#: Input longer than this is cut (analysis reads a bounded part of it anyway).
MAX_INPUT = 5_000_000


def _read(path: str | None) -> str:
    try:
        raw = Path(path).read_bytes()[:MAX_INPUT] if path else sys.stdin.buffer.read(MAX_INPUT)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None
    return raw.decode("utf-8", errors="replace")


def _analyze_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--file", help="read the message from this file (default: stdin)")
    parser.add_argument("--language", default="", help="the writer's known language")


def _analyze(command: BaseCommand, options: dict[str, Any]) -> None:
    result = analyze(_read(options.get("file")), language=options.get("language") or "").as_dict()
    if options.get("json"):
        command.stdout.write(json.dumps(result, ensure_ascii=False))
        return
    register = result["formality"]
    lines = [
        f"language:  {result['language']} ({result['language_confidence']})",
        f"formality: {register['value']} ({register['confidence']}) {', '.join(register['cues'])}",
        f"mood:      {result['mood']['value']} {', '.join(result['mood']['cues'])}",
        f"urgency:   {result['urgency']['value']} {', '.join(result['urgency']['cues'])}",
        "questions:",
        *[f"  - {q['text']}" for q in result["questions"]],
        "secrets:",
        *[f"  - {s['kind']} {s['span'][0]}-{s['span'][1]}" for s in result["secrets"]],
    ]
    command.stdout.write("\n".join(lines))


Handler = Callable[[BaseCommand, dict[str, Any]], None]
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Handler]] = {
    "analyze": ("read one message from stdin or --file", _analyze_args, _analyze),
}


class Command(BaseCommand):
    help = "The local assistant: analyze a message; train and evaluate triage."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, (help_text, add, _handler) in SUBCOMMANDS.items():
            add(sub.add_parser(name, help=help_text))
        triage_cli.add_parsers(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] in {"train", "evaluate"}:
            triage_cli.handle({**options, "action": options["subcommand"]}, self.stdout)
            return
        _help, _add, handler = SUBCOMMANDS[options["subcommand"]]
        handler(self, options)
