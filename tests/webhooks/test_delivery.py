"""Outgoing webhooks against a real receiver on loopback: signed bodies, retries with backoff
on errors and timeouts, switching off after failures with a notice to the admins, and the
address guard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from loket.accounts.models import AuditEntry
from loket.sla.models import Notification, NotificationKind
from loket.tickets import actions as tickets
from loket.tickets.models import Channel, State
from loket.webhooks import actions, signing
from loket.webhooks.delivery import retry_delay
from loket.webhooks.models import Attempt, Delivery, DeliveryState, Kind, Subscription
from tests.conftest import Desk
from tests.webhooks.conftest import run_queued
from tests.webhooks.receiver import Answer, Receiver

pytestmark = pytest.mark.usefixtures("loopback_allowed")


def _subscribe(desk: Desk, r: Receiver, *kinds: str) -> Subscription:
    return actions.create(name="CRM", url=r.url, kinds=list(kinds), by=desk.admin, secret=r.secret)


def _new_ticket(desk: Desk) -> Any:
    return tickets.create_ticket(
        subject="Order 1234 <b>not</b> delivered",
        body="Where is my parcel?",
        customer=desk.acme_alice,
        channel=Channel.WEB,
        by=desk.acme_alice,
    )


def test_a_new_ticket_is_delivered_signed_with_the_documented_body(
    desk: Desk, hook_receiver: Receiver
) -> None:
    # given a webhook for new tickets and new messages
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED, Kind.MESSAGE_ADDED)
    # when a customer opens a ticket and the worker runs the queue
    ticket = _new_ticket(desk)
    assert Delivery.objects.filter(subscription=hook).count() == 2  # queued with the change
    assert run_queued("webhooks") == ["delivered", "delivered"]
    # then the receiver got both events, each signed as documented
    got = hook_receiver.received
    assert [g.json["type"] for g in got] == ["ticket.created", "ticket.message_added"]
    assert all(g.signature_ok for g in got)
    created = got[0]
    assert created.headers["x-loket-event"] == "ticket.created"
    assert created.json["id"] == created.delivery_id == created.headers["idempotency-key"]
    data = created.json["data"]
    assert data["ticket"]["id"] == ticket.pk
    assert data["ticket"]["subject"] == "Order 1234 <b>not</b> delivered"  # data, not HTML
    assert data["ticket"]["customer"]["email"] == "alice@acme.test"
    assert data["ticket"]["url"].endswith(f"/desk/tickets/{ticket.pk}/")
    assert got[1].json["data"]["message"]["text"] == "Where is my parcel?"
    # and Loket's own verify (as docs/webhooks.md shows it) agrees
    assert signing.verify(
        hook.secret, created.headers["x-loket-timestamp"], created.body,
        created.headers["x-loket-signature"],
    )  # fmt: skip
    assert not signing.verify(
        "wrong", created.headers["x-loket-timestamp"], created.body,
        created.headers["x-loket-signature"],
    )  # fmt: skip
    # and the delivery log holds both answers
    log = list(Attempt.objects.filter(subscription=hook))
    assert [(a.ok, a.status_code, a.answer) for a in log] == [(True, 200, '{"ok": true}')] * 2


def test_only_wanted_kinds_of_active_webhooks_are_sent(desk: Desk, hook_receiver: Receiver) -> None:
    states = _subscribe(desk, hook_receiver, Kind.STATE_CHANGED)
    off = _subscribe(desk, hook_receiver, Kind.STATE_CHANGED)
    actions.switch_off(off, by=desk.admin)
    ticket = _new_ticket(desk)
    assert not Delivery.objects.exists()  # nobody asked for new tickets
    tickets.change_state(ticket, State.WAITING_CUSTOMER, by=desk.agent)
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [states.pk]
    run_queued("webhooks")
    (got,) = hook_receiver.received
    assert got.json["data"]["after"] == State.WAITING_CUSTOMER
    assert got.json["data"]["actor"]["email"] == desk.agent.email


def test_a_500_is_retried_later_with_the_same_delivery_id(
    desk: Desk, hook_receiver: Receiver
) -> None:
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    hook_receiver.answer(Answer(status=500, body=b"database on fire"))
    _new_ticket(desk)
    # when the first attempt gets a 500
    before = timezone.now()
    assert run_queued("webhooks") == ["retry"]
    # then it is logged with the answer, and queued again after the backoff, not at once
    failed = Attempt.objects.get()
    assert (failed.ok, failed.status_code, failed.answer) == (False, 500, "database on fire")
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY, queue_name="webhooks")
    assert retry.run_after is not None
    assert retry.run_after >= before + timedelta(seconds=29)
    assert run_queued("webhooks", due_only=True) == []  # not yet due
    # and the next attempt, once due, delivers the same body with the same id
    assert run_queued("webhooks") == ["delivered"]
    first, second = hook_receiver.received
    assert first.delivery_id == second.delivery_id and first.body == second.body
    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    hook.refresh_from_db()
    assert hook.consecutive_failures == 0 and hook.last_success_at is not None


def test_the_backoff_doubles_up_to_its_cap(settings: Any) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(30) == 6 * 3600


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    desk: Desk, hook_receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    hook_receiver.answer(Answer(delay=5))
    _new_ticket(desk)
    assert run_queued("webhooks") == ["retry"]
    timed_out = Attempt.objects.get()
    assert timed_out.status_code is None and "timed out" in timed_out.error
    assert timed_out.duration_ms < 3000
    assert run_queued("webhooks") == ["delivered"]
    assert len(hook_receiver.received) == 2


def test_gives_up_after_the_last_attempt(
    desk: Desk, hook_receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    hook_receiver.always(Answer(status=503))
    _new_ticket(desk)
    assert run_queued("webhooks") == ["retry"]
    assert run_queued("webhooks") == ["failed"]
    assert run_queued("webhooks") == []
    assert Delivery.objects.get().state == DeliveryState.FAILED


def test_a_webhook_that_keeps_failing_is_switched_off_and_the_admins_told(
    desk: Desk, hook_receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_DISABLE_AFTER = 3
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    hook_receiver.always(Answer(status=500))
    _new_ticket(desk)
    _new_ticket(desk)
    # when three attempts in a row fail (two deliveries, one retried)
    assert run_queued("webhooks") == ["retry", "retry"]
    assert run_queued("webhooks") == ["held", "nothing to do"]  # the second was held meanwhile
    # then the webhook is off, the rest is held (not lost), and the admins get a notice
    hook.refresh_from_db()
    assert not hook.active and hook.consecutive_failures == 3
    assert "3 failed deliveries" in hook.disabled_reason
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.HELD}
    assert run_queued("notify") == [1]
    assert run_queued("notify") == [1]  # the admin's batched notification mail
    note = Notification.objects.get(recipient=desk.admin)
    assert note.kind == NotificationKind.WEBHOOK and "CRM" in note.text
    assert [m.to for m in mail.outbox] == [[desk.admin.email]]
    # and new events are not queued for it while it is off
    _new_ticket(desk)
    assert Delivery.objects.count() == 2
    # when an admin switches it on again after fixing the receiver
    hook_receiver.always(Answer(status=204, body=b""))
    assert actions.switch_on(hook, by=desk.admin) == 2
    assert sorted(run_queued("webhooks")) == ["delivered", "delivered"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    assert list(
        AuditEntry.objects.filter(action__startswith="webhook").values_list("action", flat=True)
    ) == ["webhook_switched_on", "webhook_created"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.1.2.3/hook", "private network"),
        ("http://192.168.0.10:8080/hook", "private network"),
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://localhost:9000/hook", "loopback"),
        ("http://2130706433/hook", "number in disguise"),
        ("ftp://example.com/hook", "only http and https"),
    ],
)
def test_private_and_odd_targets_are_refused_when_saved(
    desk: Desk, settings: Any, url: str, why: str
) -> None:
    settings.HTTP_ALLOWED_NETWORKS = []
    with pytest.raises(ValidationError) as refused:
        actions.create(name="x", url=url, kinds=[Kind.TICKET_CREATED], by=desk.admin)
    assert why in str(refused.value)
    assert not Subscription.objects.exists()


def test_a_target_closed_after_saving_is_not_contacted(
    desk: Desk, hook_receiver: Receiver, settings: Any
) -> None:
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    settings.HTTP_ALLOWED_NETWORKS = []  # the admin closes loopback again
    _new_ticket(desk)
    assert run_queued("webhooks") == ["retry"]
    assert hook_receiver.received == []
    assert "Address not allowed" in Attempt.objects.get(subscription=hook).error


def test_only_admins_manage_webhooks(desk: Desk, hook_receiver: Receiver) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.create(name="x", url=hook_receiver.url, kinds=["ticket.created"], by=desk.manager)


def test_unknown_kinds_are_refused(desk: Desk, hook_receiver: Receiver) -> None:
    with pytest.raises(ValidationError):
        actions.create(name="x", url=hook_receiver.url, kinds=["ticket.exploded"], by=desk.admin)


def test_the_delivery_log_keeps_only_the_recent_attempts(
    desk: Desk, hook_receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_LOG_KEEP = 3
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    for _ in range(5):
        actions.send_test(hook, by=desk.admin)
    assert Attempt.objects.filter(subscription=hook).count() == 5  # tests are not pruned…
    _new_ticket(desk)
    run_queued("webhooks")  # …until a delivery is logged
    assert Attempt.objects.filter(subscription=hook).count() == 3


def test_the_test_event_is_sent_at_once_and_logged(desk: Desk, hook_receiver: Receiver) -> None:
    hook = _subscribe(desk, hook_receiver, Kind.MONITOR_DOWN)
    attempt = actions.send_test(hook, by=desk.admin)
    assert attempt.ok and attempt.status_code == 200
    (got,) = hook_receiver.received
    assert got.json["type"] == "ping" and got.signature_ok


def test_an_unreadable_secret_is_not_used_to_sign(
    desk: Desk, hook_receiver: Receiver, settings: Any
) -> None:
    # given a webhook whose secret was sealed with a key that is gone (SECRET_KEY rotated
    # without a fallback)
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    settings.SECRET_KEY = "another-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    _new_ticket(desk)
    # then nothing is sent unsigned, and the log says what to do
    assert run_queued("webhooks") == ["retry"]
    assert hook_receiver.received == []
    assert "make a new one" in Attempt.objects.get(subscription=hook).error


def test_old_finished_deliveries_are_pruned(desk: Desk, hook_receiver: Receiver) -> None:
    from loket.webhooks.delivery import prune_deliveries

    _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    hook_receiver.answer(Answer(status=500))
    _new_ticket(desk)
    _new_ticket(desk)
    run_queued("webhooks")  # one delivered, one waiting for its retry
    Delivery.objects.update(finished_at=timezone.now() - timedelta(days=31))
    assert prune_deliveries.call() >= 1
    assert list(Delivery.objects.values_list("state", flat=True)) == [DeliveryState.PENDING]


def test_a_binary_answer_is_logged_without_breaking_the_log(
    desk: Desk, hook_receiver: Receiver
) -> None:
    hook = _subscribe(desk, hook_receiver, Kind.TICKET_CREATED)
    hook_receiver.answer(Answer(status=500, body=b"\x00\xff\xfe junk \x00" * 200))
    _new_ticket(desk)
    assert run_queued("webhooks") == ["retry"]
    logged = Attempt.objects.get(subscription=hook)
    assert "\x00" not in logged.answer and "junk" in logged.answer
    assert len(logged.answer) <= 1000
