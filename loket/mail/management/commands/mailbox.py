from __future__ import annotations

import getpass
import json
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.lib.netguard import literal_refusal
from loket.mail.imap import MailboxError, check_connection, health, poll
from loket.mail.models import AfterStore, Mailbox, Security


class Command(BaseCommand):
    help = "Mailboxes Loket receives mail in: add, list, test, poll."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add (or update) a mailbox")
        add.add_argument("name")
        add.add_argument("--address", default="", help="the desk address customers write to")
        add.add_argument("--host", default="", help="IMAP host (none: push or import only)")
        add.add_argument("--port", type=int, default=None)
        add.add_argument("--security", choices=[c.value for c in Security], default="tls")
        add.add_argument("--username", default="")
        add.add_argument(
            "--password-env",
            default="",
            help="name of an environment variable holding the password (else asked for)",
        )
        add.add_argument("--oauth2-token-env", default="", help="variable with an XOAUTH2 token")
        add.add_argument("--folder", default="INBOX")
        add.add_argument("--after", choices=[c.value for c in AfterStore], default="flag")
        add.add_argument("--move-to", default="")
        lst = sub.add_parser("list", help="list mailboxes and their health")
        lst.add_argument("--json", action="store_true")
        test = sub.add_parser("test", help="log in and open the folder, changing nothing")
        test.add_argument("name")
        run = sub.add_parser("poll", help="fetch new mail now")
        run.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _get(self, name: str) -> Mailbox:
        mailbox = Mailbox.objects.filter(name=name).first()
        if mailbox is None:
            raise CommandError(f"no mailbox named {name!r}")
        return mailbox

    def _add(self, options: dict[str, Any]) -> None:
        security = options["security"]
        port = options["port"] or (993 if security == Security.TLS else 143)
        password = ""
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"environment variable {options['password_env']} is empty")
        elif options["host"] and not options["oauth2_token_env"]:
            password = getpass.getpass(f"Password for {options['username']}: ")
        token = (
            os.environ.get(options["oauth2_token_env"], "") if options["oauth2_token_env"] else ""
        )
        if options["host"] and (refusal := literal_refusal(options["host"])):
            raise CommandError(refusal)
        if options["after"] == AfterStore.MOVE and not options["move_to"]:
            raise CommandError("--after move needs --move-to FOLDER")
        mailbox, created = Mailbox.objects.update_or_create(
            name=options["name"],
            defaults={
                "address": options["address"].strip().lower(),
                "host": options["host"],
                "port": port,
                "security": security,
                "username": options["username"],
                "password": password,
                "oauth2_token": token,
                "folder": options["folder"],
                "after_store": options["after"],
                "move_to": options["move_to"],
            },
        )
        self.stdout.write(f"{'Added' if created else 'Updated'} mailbox {mailbox.name}")

    def _list(self, options: dict[str, Any]) -> None:
        rows = [health(m) | {"host": m.host, "address": m.address} for m in Mailbox.objects.all()]
        if options["json"]:
            self.stdout.write(json.dumps(rows, default=str, indent=2))
            return
        if not rows:
            self.stdout.write("No mailboxes.")
        for row in rows:
            self.stdout.write(
                f"{row['name']:<20} {row['state']:<9} {row['address'] or '-':<30} "
                f"{row['host'] or '(push/import)':<25} fetched {row['fetched']} "
                f"stored {row['stored']} quarantined {row['quarantined']}"
                + (f"  last error: {row['last_error']}" if row["last_error"] else "")
            )

    def _test(self, options: dict[str, Any]) -> None:
        mailbox = self._get(options["name"])
        if not mailbox.host:
            raise CommandError(f"{mailbox.name} has no IMAP host; it takes push or import only")
        try:
            info = check_connection(mailbox)
        except MailboxError as exc:
            raise CommandError(f"{mailbox.name}: {exc}") from None
        self.stdout.write(
            f"{mailbox.name}: OK, {info['messages']} messages in {mailbox.folder}, "
            f"{info['new_since_last_poll']} not fetched yet (UIDVALIDITY {info['uidvalidity']})"
        )

    def _poll(self, options: dict[str, Any]) -> None:
        mailbox = self._get(options["name"])
        try:
            result = poll(mailbox)
        except MailboxError as exc:
            raise CommandError(f"{mailbox.name}: {exc}") from None
        if result.skipped:
            self.stdout.write(f"{mailbox.name}: another poll is running")
            return
        self.stdout.write(
            f"{mailbox.name}: fetched {result.fetched}, stored {result.stored}, "
            f"duplicates {result.duplicates}, quarantined {result.quarantined}"
        )
