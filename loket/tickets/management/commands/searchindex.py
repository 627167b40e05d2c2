from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.tickets import search_index


class Command(BaseCommand):
    help = "Check the full-text search index against the database, or rebuild it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["check", "rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            for table in search_index.rebuild():
                self.stdout.write(f"rebuilt {table}")
            return
        reports = search_index.check()
        for report in reports:
            self.stdout.write(f"{'ok ' if report.ok else 'BAD'} {report.table}: {report.detail}")
        if not all(r.ok for r in reports):
            raise CommandError("the search index is inconsistent: run 'loket searchindex rebuild'")
