"""``Idempotency-Key`` on API writes: a retry after a lost answer does the work once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from loket.accounts.models import ApiToken, User
from loket.api.models import IdempotentRequest
from loket.api.tasks import prune_idempotency_keys
from loket.tickets.models import Message, MessageKind, Ticket
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    _token, raw = ApiToken.issue(user, "tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def note(client: Client, ticket: Ticket, body: str, key: str | None) -> object:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        f"/api/tickets/{ticket.pk}/notes",
        json.dumps({"body": body}),
        "application/json",
        headers=headers,
    )


def notes(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.NOTE).values_list("body", flat=True)
    )


def test_a_retry_with_the_same_key_gets_the_first_answer_and_adds_nothing(
    desk: Desk, acme_ticket: Ticket
) -> None:
    api = client_for(desk.agent)
    first = note(api, acme_ticket, "Checked the banner", "retry-1")
    again = note(api, acme_ticket, "Checked the banner", "retry-1")
    assert first.status_code == again.status_code == 201  # type: ignore[attr-defined]
    assert again.content == first.content  # type: ignore[attr-defined]
    assert again["Idempotent-Replayed"] == "true"  # type: ignore[index]
    assert notes(acme_ticket) == ["Checked the banner"]
    # without a key, a second write is a second note, as before
    note(api, acme_ticket, "Checked the banner", None)
    assert len(notes(acme_ticket)) == 2


def test_the_same_key_for_another_request_is_refused_and_changes_nothing(
    desk: Desk, acme_ticket: Ticket
) -> None:
    api = client_for(desk.agent)
    note(api, acme_ticket, "One", "k")
    other = note(api, acme_ticket, "Two", "k")
    assert other.status_code == 422  # type: ignore[attr-defined]
    assert other.json()["code"] == "idempotency_key_reused"  # type: ignore[attr-defined]
    assert notes(acme_ticket) == ["One"]


def test_keys_belong_to_their_caller(desk: Desk, acme_ticket: Ticket) -> None:
    desk.first_line.members.add(desk.tech)
    note(client_for(desk.agent), acme_ticket, "Same text", "shared-key")
    note(client_for(desk.tech), acme_ticket, "Same text", "shared-key")
    assert notes(acme_ticket) == ["Same text", "Same text"]


def test_refusals_are_kept_but_failures_are_not(desk: Desk, acme_ticket: Ticket) -> None:
    api = client_for(desk.agent)
    # a 4xx answer (an empty note) is the answer: the retry gets it again
    bad = note(api, acme_ticket, "", "bad-1")
    assert bad.status_code == 400 or bad.status_code == 422  # type: ignore[attr-defined]
    assert note(api, acme_ticket, "", "bad-1")["Idempotent-Replayed"] == "true"  # type: ignore[index]
    # a malformed key is refused before anything runs
    long_key = note(api, acme_ticket, "Hi", "k" * 300)
    assert long_key.status_code == 400  # type: ignore[attr-defined]
    assert notes(acme_ticket) == []


def test_a_key_whose_first_request_still_runs_gets_409_with_a_retry_hint(
    desk: Desk, acme_ticket: Ticket
) -> None:
    import hashlib

    _token, raw = ApiToken.issue(desk.agent, "tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    caller = "token:" + hashlib.sha256(f"Bearer {raw}".encode()).hexdigest()
    body = json.dumps({"body": "Slow"}).encode()
    path = f"/api/tickets/{acme_ticket.pk}/notes"
    IdempotentRequest.objects.create(
        scope=hashlib.sha256(f"{caller}\nbusy".encode()).hexdigest(),
        fingerprint=hashlib.sha256(f"POST {path}\n".encode() + body).hexdigest(),
    )
    answer = note(api, acme_ticket, "Slow", "busy")
    assert answer.status_code == 409  # type: ignore[attr-defined]
    assert answer["Retry-After"] == "1"  # type: ignore[index]
    assert notes(acme_ticket) == []


def test_old_keys_are_forgotten(desk: Desk, acme_ticket: Ticket) -> None:
    api = client_for(desk.agent)
    note(api, acme_ticket, "Old", "old-key")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert prune_idempotency_keys.call() == 1
    # and an expired key is a new request
    note(api, acme_ticket, "Old", "old-key")
    assert notes(acme_ticket) == ["Old", "Old"]


@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_midway_leaves_no_claim_so_the_retry_runs(
    desk: Desk, acme_ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a node that dies after the note was written but before the answer went out (the
    # transaction never commits: simulated by the view raising after its work)
    from loket.tickets import actions

    real = actions.add_note
    _token, raw = ApiToken.issue(desk.agent, "tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})

    def dies_after_writing(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the node died")

    monkeypatch.setattr(actions, "add_note", dies_after_writing)
    failed = Client(headers={"Authorization": f"Bearer {raw}"}, raise_request_exception=False)
    answer = note(failed, acme_ticket, "Lost answer", "crash-1")
    assert answer.status_code == 500  # type: ignore[attr-defined]
    # then neither the note nor the claim is there, and the retry writes it once
    assert notes(acme_ticket) == [] and not IdempotentRequest.objects.exists()
    monkeypatch.setattr(actions, "add_note", real)
    assert note(api, acme_ticket, "Lost answer", "crash-1").status_code == 201  # type: ignore[attr-defined]
    assert notes(acme_ticket) == ["Lost answer"]
