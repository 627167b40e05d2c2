from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from loket.mail.smtpd import make_controller


class Command(BaseCommand):
    help = "Receive mail pushed by your MTA over SMTP (or LMTP) and store it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
        parser.add_argument(
            "--mailbox",
            default="smtp",
            help="mailbox for recipients that match no mailbox's desk address",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        controller = make_controller(
            options["host"],
            options["port"],
            lmtp=options["lmtp"],
            default_mailbox=options["mailbox"],
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        controller.start()
        self.stdout.write(
            f"Receiving {'LMTP' if options['lmtp'] else 'SMTP'} on "
            f"{options['host']}:{options['port']}"
        )
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
