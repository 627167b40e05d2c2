"""Finding 7 of issue #18: sign-up told whether an address has an account ("already
registered" for a known one, a redirect into the portal for a new one). Both now get the same
answer; the owner of a known address is mailed instead.

Only what existed before the fix is imported here, so this runs (and fails) on that code."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from loket.accounts.models import User
from tests.accounts.conftest import mails_to, path_in, sign_up, text_of
from tests.conftest import Desk

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _answer(email: str) -> tuple[int, str, str, bool]:
    """What a visitor learns from signing up with ``email``: the status, where it leads, the
    page they land on (their own address and the CSRF token taken out) and whether they are
    signed in afterwards."""
    client = Client()
    response = sign_up(client, email)
    location = response.headers.get("Location", "")
    landed = client.get(location) if location else response
    page = CSRF.sub("", landed.content.decode()).replace(email, "ADDRESS")
    signed_in = client.get("/portal/").status_code == 200
    return response.status_code, location, page, signed_in


def test_sign_up_answers_a_known_and_a_new_address_alike(desk: Desk, mta: Any) -> None:
    # given Alice has an account; a newcomer has none
    known, new = desk.acme_alice.email, "newcomer@example.test"
    people = User.objects.count()
    # when both sign up
    known_answer, new_answer = _answer(known), _answer(new)
    # then the answers cannot be told apart, and nobody is signed in
    assert known_answer == new_answer
    status, location, page, signed_in = new_answer
    assert (status, location, signed_in) == (302, "/accounts/confirm-email/", False)
    assert "already" not in page.lower()
    # and Alice's account is untouched, while the newcomer's waits for verification
    assert User.objects.count() == people + 1
    assert User.objects.get(pk=desk.acme_alice.pk).check_password("correct-horse-battery-9")
    # and each address got one mail: the owner hears that someone tried (with the reset
    # link), the newcomer gets the link that verifies the address
    (to_owner,) = mails_to(mta, known)
    assert "/accounts/password/reset/" in text_of(to_owner)
    assert "/accounts/confirm-email/" not in text_of(to_owner)
    (to_newcomer,) = mails_to(mta, new)
    assert path_in(to_newcomer, "/accounts/confirm-email/")
