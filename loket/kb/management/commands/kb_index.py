"""``loket kb_index check`` / ``rebuild [--after ID]``: the article search index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loket.kb import index


class Command(BaseCommand):
    help = "Check the knowledge-base search index, or rebuild it (resumable with --after)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "rebuild"])
        parser.add_argument(
            "--after", type=int, default=0, help="rebuild: continue after this translation id"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            report = index.check()
            self.stdout.write(f"checked {report.checked} translations")
            if report.without_vector:
                self.stdout.write(
                    f"{report.without_vector} translations have no meaning vector yet; "
                    "the worker embeds them (`kb_index rebuild` queues any that were missed)"
                )
            if report.stale or not report.index_ok:
                raise CommandError(
                    f"index out of date: {len(report.stale)} stale rows "
                    f"(first ids {report.stale[:10]}), database index ok: {report.index_ok}; "
                    "run `kb_index rebuild`"
                )
            self.stdout.write(self.style.SUCCESS("search index is consistent"))
            return
        changed = index.rebuild(
            options["after"], progress=lambda last: self.stdout.write(f"done up to id {last}")
        )
        self.stdout.write(self.style.SUCCESS(f"rebuilt; {changed} rows changed"))
