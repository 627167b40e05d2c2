"""``loket assist SUBCOMMAND``: the assistant's commands (triage: train, evaluate)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from loket.assist import triage_cli


class Command(BaseCommand):
    help = "The local assistant: train and evaluate triage."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        triage_cli.add_parsers(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] in {"train", "evaluate"}:
            triage_cli.handle(options, self.stdout)
