""" "Test this rule": which of the latest tickets would match and what would change, and
nothing changes."""

from __future__ import annotations

from loket.rules.automation.dryrun import dry_run
from loket.rules.models import Firing, Rule
from loket.tickets import actions
from loket.tickets.models import Channel, Event, Message, Priority, Ticket
from tests.conftest import Desk
from tests.rules.helpers import act, cond


def _snapshot() -> tuple[list[tuple[int, int, int, str]], int, int, int]:
    tickets = list(Ticket.objects.order_by("pk").values_list("pk", "priority", "team_id", "state"))
    return tickets, Event.objects.count(), Message.objects.count(), Firing.objects.count()


def test_dry_run_shows_matches_and_changes_and_changes_nothing(desk: Desk) -> None:
    for i in range(6):
        actions.create_ticket(
            subject=f"Payout {i}" if i % 2 else f"Banner {i}", body="x" if i < 4 else "payout",
            customer=desk.acme_alice, channel=Channel.EMAIL, by=None,
        )  # fmt: skip
    # the rule is saved switched off, so that saving fires nothing
    rule = Rule.objects.create(
        name="Payouts", enabled=False, triggers=["created"],
        conditions=[cond("text", "contains", "payout")],
        effects=[act("priority", Priority.HIGH), act("team", desk.second_line.pk),
                 act("add_tags", "payout")],
    )  # fmt: skip
    before = _snapshot()
    result = dry_run(rule)
    assert result.checked == 6 and not result.error
    subjects = sorted(row.ticket.subject for row in result.rows)
    assert subjects == ["Banner 4", "Payout 1", "Payout 3", "Payout 5"]
    assert result.rows[0].changes == ["Priority → High", "Team → Second line", "Add tags: payout"]
    assert _snapshot() == before


def test_dry_run_of_a_broken_rule_says_why(desk: Desk) -> None:
    rule = Rule.objects.create(
        name="Bad", enabled=False, triggers=["created"],
        conditions=[cond("subject", "matches", "(")], effects=[act("add_tags", "x")],
    )  # fmt: skip
    assert "not valid" in dry_run(rule).error
