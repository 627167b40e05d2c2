"""``loket sla add|between``: the business-time math of a calendar file, from the shell.

Both subcommands call the same pure functions the SLA engine uses.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.sla import calendars


def _instant(text: str, cal: calendars.Calendar) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not an ISO-8601 date and time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=cal.tz)  # a time without offset is read in the calendar's zone
    return value


def _minutes(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.4f}".rstrip("0")


def _rebuild(*, every: bool) -> int:
    from django.db import transaction

    from loket.sla.clocks import OPEN_STATES
    from loket.sla.tracking import rebuild
    from loket.tickets.models import Ticket

    tickets = Ticket.objects.filter(state__in=OPEN_STATES, merged_into__isnull=True)
    if not every:
        tickets = tickets.filter(sla__isnull=True)
    done = 0
    for pk in tickets.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            rebuild(ticket)
        done += 1
    return done


class Command(BaseCommand):
    help = (
        "Business-time math on a calendar file. "
        "'loket sla add --calendar cal.json --start 2026-03-27T16:00+01:00 --minutes 120' prints "
        "the instant; 'loket sla between --calendar cal.json --start A --end B' the minutes; "
        "'loket sla rebuild' computes missing SLA clocks."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="print the instant N business minutes after START")
        between = sub.add_parser("between", help="print the business minutes from START to END")
        for p in (add, between):
            p.add_argument("--calendar", required=True, help="a calendar as a JSON file")
            p.add_argument(
                "--start",
                required=True,
                help="ISO-8601 date and time (without an offset: in the calendar's zone)",
            )
        add.add_argument("--minutes", required=True, type=float, help="business minutes to add")
        between.add_argument("--end", required=True, help="ISO-8601 date and time")
        rebuild = sub.add_parser(
            "rebuild",
            help="compute the SLA clocks of open tickets that have none (e.g. from before the "
            "SLA app) from their history; --all redoes every open ticket (after policy changes)",
        )
        rebuild.add_argument("--all", action="store_true", help="every open ticket")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            self.stdout.write(f"{_rebuild(every=options['all'])} tickets rebuilt")
            return
        try:
            cal = calendars.load(options["calendar"])
            start = _instant(options["start"], cal)
            if options["action"] == "add":
                if options["minutes"] < 0:
                    raise CommandError("--minutes must not be negative")
                result = calendars.add_business_minutes(cal, start, options["minutes"])
                self.stdout.write(result.astimezone(cal.tz).isoformat())
            else:
                end = _instant(options["end"], cal)
                self.stdout.write(_minutes(calendars.business_minutes_between(cal, start, end)))
        except calendars.CalendarError as exc:
            raise CommandError(str(exc)) from None
