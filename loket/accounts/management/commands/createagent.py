from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.accounts.models import Role, Team, User


class Command(BaseCommand):
    help = "Add an agent, manager or admin (or update one with the same address)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="display name shown on replies")
        parser.add_argument(
            "--role", choices=[Role.AGENT, Role.MANAGER, Role.ADMIN], default=Role.AGENT
        )
        parser.add_argument("--team", action="append", default=[], help="team name (repeatable)")
        parser.add_argument("--password", help="password (asked for when left out)")
        parser.add_argument("--language", default="", choices=["", "en", "nl", "ru"])

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = getpass.getpass("Password: ")
        if len(password) < 8:
            raise CommandError("the password needs at least 8 characters")
        teams = []
        for name in options["team"]:
            team = Team.objects.filter(name__iexact=name).first()
            if team is None:
                known = ", ".join(Team.objects.values_list("name", flat=True))
                raise CommandError(f"no team called {name!r}; teams: {known}")
            teams.append(team)
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email).first() or User(email=email)
        user.display_name = options["name"] or user.display_name
        user.role = options["role"]
        user.language = options["language"]
        user.set_password(password)
        user.save()
        if teams:
            user.teams.set(teams)
        self.stdout.write(f"{user.get_role_display()} {user.email} is ready.")
