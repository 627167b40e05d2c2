from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from loket.mail.ingest import chunks, ingest_batch
from loket.mail.models import Mailbox
from loket.mail.pipeline import Prepared, bulk_import, default_workers, prepared_batches
from loket.mail.sources import Item, in_date_order, read_path


class Command(BaseCommand):
    help = (
        "Import mail from mail files, folders of them, Maildir folders and mbox files. "
        "Every regular file in a folder is read; a file that is not a mail is reported and "
        "counted. A folder or mbox is stored oldest first (by Date header, then file order) "
        "unless --keep-order is given. Safe to run again: mail already stored is skipped. "
        "Exits with an error when nothing at all could be imported."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", help=".eml files, folders, Maildirs, mbox files")
        parser.add_argument(
            "--mailbox", default="import", help="mailbox to store into (made if missing)"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress line")
        parser.add_argument(
            "--keep-order",
            action="store_true",
            help="store in file order instead of oldest first (one pass over the files)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_workers(),
            help="processes that parse ahead while this one stores (0: parse here too; "
            "default: one fewer than the cores, at least one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        mailbox = Mailbox.objects.filter(name=options["mailbox"]).first()
        if mailbox is None:
            mailbox = Mailbox.objects.create(name=options["mailbox"])
        counts = {"stored": 0, "duplicate": 0, "quarantined": 0}
        show = not options["quiet"]
        started = last = time.monotonic()
        total = 0
        not_mail: list[str] = []

        def mails(items: Iterable[Item]) -> Iterator[bytes]:
            for item in items:
                if item.problem:
                    not_mail.append(item.origin)
                    self.stderr.write(f"not a mail, skipped: {item.origin} ({item.problem})")
                else:
                    yield item.raw

        with bulk_import():
            for path in options["paths"]:
                try:
                    items = read_path(Path(path))
                    if not options["keep_order"]:
                        items = in_date_order(items)
                    raws = mails(items)
                    for chunk, prepared in prepared_batches(chunks(raws), options["jobs"]):
                        for result in self._ingest(chunk, prepared, mailbox):
                            counts[result] += 1
                            total += 1
                        now = time.monotonic()
                        if show and now - last >= 0.5:
                            last = now
                            self._progress(total, counts, now - started)
                except FileNotFoundError:
                    raise CommandError(f"no such file or folder: {path}") from None
        if show:
            self._progress(total, counts, time.monotonic() - started)
            sys.stderr.write("\n")
        self.stdout.write(
            f"{total} messages: {counts['stored']} stored, {counts['duplicate']} already there, "
            f"{counts['quarantined']} quarantined; {len(not_mail)} files not mail"
        )
        if total == 0:
            reason = (
                f"{len(not_mail)} files were read and none of them is a mail"
                if not_mail
                else "no files with mail were found"
            )
            raise CommandError(f"nothing imported: {reason} ({', '.join(options['paths'])})")

    def _ingest(
        self, chunk: list[bytes], prepared: list[Prepared | None], mailbox: Mailbox
    ) -> list[str]:
        """One batch in one transaction (each mail in its own savepoint, so a bad one is
        quarantined alone); when the database fails, the whole batch is tried again."""
        for attempt in range(5):
            try:
                results = ingest_batch(chunk, mailbox, prepared=prepared)
                return [result.status for result in results]
            except (OperationalError, InterfaceError):
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    def _progress(self, total: int, counts: dict[str, int], seconds: float) -> None:
        rate = total / seconds if seconds > 0 else 0.0
        sys.stderr.write(
            f"\r{total} messages  stored {counts['stored']}  duplicates {counts['duplicate']}  "
            f"quarantined {counts['quarantined']}  ({rate:.0f}/s)   "
        )
        sys.stderr.flush()
