from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Website monitors. 'run': the checker loop (stops cleanly on SIGTERM); "
        "'once': check what is due now and exit; 'rollup' and 'prune': housekeeping."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["run", "once", "rollup", "prune"])
        parser.add_argument(
            "--concurrency", type=int, default=None, help="checks running at once (run)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "run":
            from loket.monitor.runner import run_forever

            run_forever(concurrency=options["concurrency"])
        elif action == "once":
            from loket.monitor.engine import check_due

            outcomes = check_due()
            failed = sum(1 for o in outcomes if not o.ok)
            self.stdout.write(f"{len(outcomes)} checked, {failed} failed")
        elif action == "rollup":
            from loket.monitor.rollup import roll_up_all

            self.stdout.write(f"{roll_up_all()} results counted")
        elif action == "prune":
            from loket.monitor.rollup import prune, roll_up_all

            roll_up_all()
            self.stdout.write(str(prune()))
        else:  # pragma: no cover - argparse refuses other values
            raise CommandError(action)
