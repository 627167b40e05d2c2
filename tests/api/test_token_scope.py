"""API tokens: an expiry and a read-only scope chosen on the profile page, both enforced;
making and revoking a token is audited; too many invalid tokens from one address get 429."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from loket.accounts.models import ApiToken, AuditEntry
from loket.tickets.models import Ticket
from tests.api.conftest import ApiClient
from tests.conftest import Desk


def make_token(desk: Desk, **form: str) -> tuple[Client, str]:
    """Creates a token as the agent does it: on /me/, read once from the next page."""
    client = Client()
    client.force_login(desk.agent)
    response = client.post("/me/tokens/", {"name": "CI", **form})
    assert response.status_code == 302
    page = client.get("/me/").content.decode()
    start = page.index('id="new-token">') + len('id="new-token">')
    return client, page[start : page.index("<", start)]


def test_a_read_only_token_reads_but_cannot_write(desk: Desk, acme_ticket: Ticket) -> None:
    # given a token made read-only on the profile page
    _client, raw = make_token(desk, expires="90", read_only="on")
    api = ApiClient(raw)
    # then it reads
    assert api.get("/tickets").status_code == 200
    assert api.get(f"/tickets/{acme_ticket.pk}").status_code == 200
    # and every write is refused with a clear JSON error, before anything changes
    before = Ticket.objects.count()
    for response in (
        api.post("/tickets", {"subject": "x", "body": "y", "customer_email": "a@acme.test"}),
        api.patch(f"/tickets/{acme_ticket.pk}", {"priority": "urgent"}),
        api.post(f"/tickets/{acme_ticket.pk}/notes", {"body": "n"}),
        api.post(f"/tickets/{acme_ticket.pk}/reply", {"body": "r"}),
        api.post(f"/tickets/{acme_ticket.pk}/escalate", {"reason": "r"}),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "read_only_token"
        assert "read-only" in response.json()["message"]
    assert Ticket.objects.count() == before
    acme_ticket.refresh_from_db()
    assert acme_ticket.priority != "urgent"
    # a read-write token of the same person writes
    _client, writer = make_token(desk, expires="90")
    response = ApiClient(writer).post(f"/tickets/{acme_ticket.pk}/notes", {"body": "n"})
    assert response.status_code in (200, 201)


def test_a_token_expires_when_chosen(desk: Desk) -> None:
    # given a token made to expire in 30 days
    client, raw = make_token(desk, expires="30")
    token = ApiToken.objects.get(user=desk.agent)
    assert token.expires_at is not None
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    # it works today, and the list says until when
    assert ApiClient(raw).get("/tickets").status_code == 200
    listing = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "read and write" in listing
    # thirty-one days later it is refused, saying why
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = ApiClient(raw).get("/tickets")
        assert response.status_code == 401
        assert response.json()["code"] == "token_expired"
        assert response["WWW-Authenticate"].startswith("Bearer")
        client.force_login(desk.agent)  # the session from a month ago has ended
        assert "expired" in client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_token_may_never_expire_and_the_default_is_ninety_days(desk: Desk) -> None:
    make_token(desk, expires="never")
    assert ApiToken.objects.get(user=desk.agent).expires_at is None
    ApiToken.objects.all().delete()
    page = Client()
    page.force_login(desk.agent)
    html = page.get("/me/").content.decode()
    assert '<option value="90" selected>' in html


def test_tokens_are_audited(desk: Desk) -> None:
    client, _raw = make_token(desk, expires="365", read_only="on")
    token = ApiToken.objects.get(user=desk.agent)
    created = AuditEntry.objects.get(action="api_token_created")
    assert created.actor == desk.agent and created.subject == desk.agent
    assert created.data["prefix"] == token.prefix and created.data["read_only"] is True
    assert created.data["expires_at"] == token.expires_at.isoformat()
    # revoking it
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 302
    assert not ApiToken.objects.exists()
    revoked = AuditEntry.objects.get(action="api_token_revoked")
    assert revoked.actor == desk.agent and revoked.data == {"name": "CI", "prefix": token.prefix}
    # nobody revokes somebody else's token from their own profile
    _other, _ = make_token(desk, expires="90")
    theirs = ApiToken.objects.get(user=desk.agent)
    intruder = Client()
    intruder.force_login(desk.tech)
    assert intruder.post(f"/me/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_the_api_description_tells_about_scope_and_expiry(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    text = schema["info"]["description"]
    assert "read_only_token" in text and "token_expired" in text


def guess(token: str, address: str, forwarded_for: str = "") -> object:
    client = Client(
        headers={"Authorization": f"Bearer {token}"},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return client.get("/api/tickets")


@override_settings(TRUSTED_PROXIES=[])
def test_many_invalid_tokens_from_one_address_get_429(desk: Desk) -> None:
    _client, raw = make_token(desk, expires="90")
    # all within one minute: the clock stands still at half past
    with time_machine.travel(timezone.now().replace(second=30), tick=False):
        # given a client guessing tokens, with a forged X-Forwarded-For that changes nothing
        statuses = [
            guess(f"lk_guess{n}", "203.0.113.9", f"192.0.2.{n}").status_code for n in range(31)
        ]
        # then the first 30 are plain 401s and the next is throttled, saying when to retry
        assert statuses[:30] == [401] * 30 and statuses[30] == 429
        throttled = guess("lk_again", "203.0.113.9")
        assert throttled.json()["code"] == "throttled" and throttled["Retry-After"] == "60"
        # another address is not affected, nor is a valid token from the same one
        assert guess("lk_x", "203.0.113.10").status_code == 401
        assert guess(raw, "203.0.113.9").status_code == 200
