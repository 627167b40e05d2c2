from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from loket.tickets.demo import AGENTS, CUSTOMERS, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the database and fill it with a demo desk. Running it again changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tickets", type=int, default=36, help="how many demo tickets")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        result = seed_demo(count=options["tickets"])
        if result.created:
            self.stdout.write(f"Demo desk created with {result.tickets} tickets.")
        else:
            self.stdout.write(f"Demo desk already present ({result.tickets} tickets).")
        self.stdout.write(
            f"\nOpen {options['url']} and sign in (password for all: {DEMO_PASSWORD}):"
        )
        for email, name, role, team, _lang in AGENTS:
            self.stdout.write(f"  {role:<9} {email:<28} {name} ({team})")
        email, name, *_ = CUSTOMERS[0]
        self.stdout.write(f"  {'customer':<9} {email:<28} {name} (customer portal)")
        base = options["url"].rstrip("/")
        self.stdout.write(f"\nHelp centre {base}/help/  status page {base}/status/")
        self.stdout.write(f"Contact form {base}/contact/  API docs {base}/api/docs")
