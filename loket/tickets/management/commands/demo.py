from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from loket.tickets.demo import AGENTS, CUSTOMERS, DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo


def current_code(secret: str) -> str:
    """The authenticator-app code for ``secret`` right now (what a phone would show)."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counters = list(yield_hotp_counters_from_time())
    return str(format_hotp_value(hotp_value(secret, counters[len(counters) // 2])))


class Command(BaseCommand):
    help = "Create the database and fill it with a demo desk. Running it again changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tickets", type=int, default=36, help="how many demo tickets")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print")
        parser.add_argument(
            "--code",
            action="store_true",
            help="only print the current two-factor code of the demo's admin and manager",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            self.stdout.write(current_code(DEMO_TOTP_SECRET))
            return
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        result = seed_demo(count=options["tickets"])
        if result.created and apps.is_installed("loket.reports"):
            # the demo back-dates its history after writing it: count the figures again
            call_command("reports", "rebuild", verbosity=0)
        if result.created:
            self.stdout.write(f"Demo desk created with {result.tickets} tickets.")
        else:
            self.stdout.write(f"Demo desk already present ({result.tickets} tickets).")
        self.stdout.write(
            f"\nOpen {options['url']} and sign in (password for all: {DEMO_PASSWORD}):"
        )
        second_factor = False
        for email, name, role, team, _lang in AGENTS:
            needs_code = role in settings.MFA_REQUIRED_ROLES
            second_factor = second_factor or needs_code
            mark = " *" if needs_code else ""
            self.stdout.write(f"  {role:<9} {email:<28} {name} ({team}){mark}")
        email, name, *_ = CUSTOMERS[0]
        self.stdout.write(f"  {'customer':<9} {email:<28} {name} (customer portal)")
        if second_factor:
            self.stdout.write(
                f"\n* also asks for a two-factor code: add the demo secret {DEMO_TOTP_SECRET} "
                "to an authenticator app, or run `loket demo --code` for the current code."
            )
        base = options["url"].rstrip("/")
        self.stdout.write(f"\nHelp centre {base}/help/  status page {base}/status/")
        self.stdout.write(f"Contact form {base}/contact/  API docs {base}/api/docs")
