"""``loket reports rebuild``, ``loket reports check`` (exits 1 on any difference) and ``loket
reports compact`` (what the worker does every minute)."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.reports import compact, tally


class Command(BaseCommand):
    help = (
        "Rebuilds the report roll-ups from the raw rows, checks them against the raw rows, or "
        "compacts their new rows."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["rebuild", "check", "compact"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "rebuild":
            tickets, rows = tally.rebuild()
            took = time.monotonic() - started
            if options["verbosity"]:
                self.stdout.write(f"rebuilt {tickets} tickets' facts, {rows} roll-up rows in "
                                  f"{took:.1f} s")  # fmt: skip
            return
        if options["action"] == "compact":
            days = compact.compact()
            if options["verbosity"]:
                took = time.monotonic() - started
                self.stdout.write(f"compacted {days} days in {took:.1f} s")
            return
        diffs = tally.differences()
        for line in diffs[:50]:
            self.stderr.write(line)
        if diffs:
            raise CommandError(f"{len(diffs)} roll-up rows differ from the raw rows")
        self.stdout.write("roll-ups match the raw rows")
