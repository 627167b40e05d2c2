"""The ``loket`` command: Loket's own commands first, every Django command behind them."""

from __future__ import annotations

import os
import sys

OVERVIEW = """usage: loket COMMAND [options]

Loket commands (each takes --help):
  run          serve the web app with a worker and the scheduler (one machine)
  demo         create the database and fill it with a demo desk (idempotent)
  web          serve the web app as one node of several (gunicorn + uvicorn processes)
  worker       run background tasks and the scheduler tick (--queues mail,notify …)
  createagent  add an agent, manager or admin
  check        check the configuration (database, data directory, production safety)
  sla          business-hours math on a calendar (add, between) and SLA clock rebuild
  monitor      website monitors: run (the checker), once, rollup, prune
  migrate      bring the database schema up to date

'loket help --all' lists every command, including Django's own.
"""


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")
    if not args or args[0] in {"-h", "--help"} or args == ["help"]:
        print(OVERVIEW)
        return
    if args[:2] == ["help", "--all"]:
        args = ["help"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["loket", *args])


if __name__ == "__main__":
    main()
