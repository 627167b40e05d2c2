"""Another process that changes the desk, as a second agent, the worker's tasks or a script
would: run as ``python -m tests.live.driver`` with ``LOKET_DATABASE_URL`` set, it reads one
JSON command per line on stdin and answers one JSON line on stdout.

Commands (``op``): ``setup`` (agents, customers, a ticket), ``session`` (a signed-in session
for a person, as the login page would make), ``ticket``, ``reply``, ``note``, ``customer``
(a customer message), ``assign``, ``move`` (to another team), ``notify`` (an SLA
notification), ``overdue`` (a ticket whose first response is overdue), ``sweep`` (the SLA
sweep queued for the worker), ``wait_task``, ``language``, ``events`` (ids of a ticket's events),
``max_event``.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")


def _setup() -> dict[str, Any]:
    from loket.accounts.models import Organisation, Role, Team, Tier, User
    from loket.tickets import actions
    from loket.tickets.models import Channel

    first = Team.objects.get(tier=Tier.FIRST_LINE, is_default_for_tier=True)
    second = Team.objects.get(tier=Tier.SECOND_LINE, is_default_for_tier=True)
    acme = Organisation.objects.create(name="Acme", domains="acme.test")
    globex = Organisation.objects.create(name="Globex")

    def person(email: str, role: str, name: str, org: Organisation | None = None) -> User:
        user = User.objects.create_user(
            email, None, role=role, display_name=name, organisation=org, language="en"
        )
        return user

    anna = person("anna@loket.test", Role.AGENT, "Anna de Vries")
    bram = person("bram@loket.test", Role.AGENT, "Bram de Boer")
    sanne = person("sanne@loket.test", Role.AGENT, "Sanne Jansen")  # second line only
    eva = person("eva@loket.test", Role.ADMIN, "Eva Smit")
    # An admin signs in with a second factor (the default policy): hers is set up.
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(eva, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    alice = person("alice@acme.test", Role.CUSTOMER, "Alice", acme)
    carol = person("carol@globex.test", Role.CUSTOMER, "Carol", globex)
    first.members.add(anna, bram)
    second.members.add(sanne)
    ticket = actions.create_ticket(
        subject="Banner does not show",
        body="Our banner is gone since this morning.",
        customer=alice,
        channel=Channel.WEB,
        by=alice,
    )
    return {
        "people": {u.email: u.pk for u in (anna, bram, sanne, eva, alice, carol)},
        "ticket": ticket.pk,
        "first_line": first.pk,
        "second_line": second.pk,
    }


def _user(email: str) -> Any:
    from loket.accounts.models import User

    return User.objects.get(email=email)


def _ticket(pk: int) -> Any:
    from loket.tickets.models import Ticket

    return Ticket.objects.get(pk=pk)


def _session(email: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    user = _user(email)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


def _overdue(subject: str, assignee: str | None) -> int:
    """A ticket whose first response was due a moment ago (the SLA sweep, run by the
    worker, then writes the breach and queues its notifications)."""
    from django.utils import timezone

    from loket.sla.models import BusinessCalendar, Policy, Target, TicketSla
    from loket.sla.tracking import rebuild
    from loket.tickets import actions
    from loket.tickets.models import Channel, Priority

    always, _ = BusinessCalendar.objects.get_or_create(
        name="24/7", defaults={"spec": {"tz": "UTC", "24/7": True}}
    )
    policy, created = Policy.objects.get_or_create(name="Live test", defaults={"calendar": always})
    if created:
        Target.objects.create(policy=policy, priority=Priority.NORMAL, first_response_minutes=60)
    customer = _user("alice@acme.test")
    ticket = actions.create_ticket(
        subject=subject, body="Still waiting.", customer=customer, channel=Channel.WEB, by=customer
    )
    if assignee:
        actions.assign(ticket, _user(assignee), by=_user(assignee))
    sla = rebuild(ticket)
    past = timezone.now() - timedelta(seconds=5)
    TicketSla.objects.filter(pk=sla.pk).update(
        first_response_due_at=past,
        first_response_warn_at=past - timedelta(seconds=1),
        due_at=past,
        next_check_at=past,
    )
    return int(ticket.pk)


def handle(command: dict[str, Any]) -> Any:
    from django.db.models import Max

    from loket.sla.models import Notification, NotificationKind
    from loket.tickets import actions
    from loket.tickets.models import Channel, Event

    op = command["op"]
    if op == "setup":
        return _setup()
    if op == "session":
        return _session(command["email"])
    if op == "token":  # a personal API token for an agent
        from loket.accounts.actions import issue_token

        agent = _user(command["email"])
        return issue_token(agent, "live test", by=agent)[1]
    if op == "ticket":
        customer = _user(command.get("customer", "alice@acme.test"))
        ticket = actions.create_ticket(
            subject=command["subject"],
            body=command.get("body", "Hello"),
            customer=customer,
            channel=Channel.WEB,
            by=customer,
        )
        return ticket.pk
    if op == "reply":
        message = actions.reply(
            _ticket(command["ticket"]), body=command["body"], by=_user(command["by"])
        )
        return message.pk
    if op == "note":
        message = actions.add_note(
            _ticket(command["ticket"]), body=command["body"], by=_user(command["by"])
        )
        return message.pk
    if op == "customer":
        ticket = _ticket(command["ticket"])
        message = actions.add_customer_message(
            ticket,
            body=command["body"],
            author=ticket.customer,
            channel=Channel.WEB,
            by=ticket.customer,
        )
        return message.pk
    if op == "assign":
        agent = _user(command["to"])
        actions.assign(_ticket(command["ticket"]), agent, by=agent)
        return True
    if op == "move":
        from loket.accounts.models import Team

        team = Team.objects.get(pk=command["team"])
        actions.move_to_team(
            _ticket(command["ticket"]), team, by=_user(command["by"]), reason="Needs a specialist"
        )
        return True
    if op == "notify":
        note = Notification.objects.create(
            recipient=_user(command["to"]), kind=NotificationKind.SLA_WARNING, text=command["text"]
        )
        return note.pk
    if op == "overdue":
        return _overdue(command["subject"], command.get("assignee"))
    if op == "monitor":  # a website monitor due now
        from django.utils import timezone

        from loket.monitor.models import Monitor

        monitor = Monitor.objects.create(
            name="Shop", target=command["url"], interval_seconds=60, timeout_seconds=5,
            retries=0, next_check_at=timezone.now(),
        )  # fmt: skip
        return monitor.pk
    if op == "poll":  # the mailbox poll, as the scheduler enqueues it
        from loket.mail.tasks import poll_mailboxes

        return str(poll_mailboxes.enqueue().id)
    if op == "sweep":
        from loket.sla.tasks import sweep_sla

        return str(sweep_sla.enqueue().id)
    if op == "wait_task":  # until the worker has run it (the worker is up)
        import time

        from django_tasks_db.models import DBTaskResult

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = DBTaskResult.objects.filter(pk=command["id"]).values_list("status", flat=True)
            if status and status[0] in ("SUCCESSFUL", "FAILED"):
                return status[0]
            time.sleep(0.05)
        raise TimeoutError("the worker did not run the task")
    if op == "language":
        from loket.accounts.models import User

        User.objects.filter(email=command["email"]).update(language=command["language"])
        return True
    if op == "events":
        return list(
            Event.objects.filter(ticket_id=command["ticket"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    if op == "max_event":
        return Event.objects.aggregate(m=Max("pk"))["m"] or 0
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    import django

    django.setup()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = {"ok": handle(json.loads(line))}
        except Exception as exc:  # reported to the test, which fails with it
            result = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
