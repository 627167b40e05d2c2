"""Access matrix for customers and organisations (``loket.accounts.access``).

Each role x object kind x read/write: allowed returns the object, forbidden raises Http404.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from loket.accounts.access import (
    agents_visible_to,
    customers_visible_to,
    get_customer_for,
    get_organisation_for,
    organisations_visible_to,
)
from loket.accounts.models import Role, User
from tests.conftest import PASSWORD


@pytest.fixture
def people(desk) -> dict[str, Any]:
    def inactive(email: str, role: Role, **extra: Any) -> User:
        return User.objects.create_user(email, PASSWORD, role=role, is_active=False, **extra)

    return {
        "admin": desk.admin,
        "manager": desk.manager,
        "first_line_agent": desk.agent,
        "second_line_agent": desk.tech,
        "the_customer": desk.acme_alice,
        "same_org_customer": desk.acme_bob,
        "other_org_customer": desk.globex_carol,
        "customer_without_org": desk.loner,
        "anonymous": AnonymousUser(),
        "inactive_agent": inactive("gone@loket.test", Role.AGENT),
        "inactive_manager": inactive("boss-gone@loket.test", Role.MANAGER),
        "inactive_customer": inactive("old@acme.test", Role.CUSTOMER, organisation=desk.acme),
    }


ALL = {"customer", "organisation"}
# role -> what it may read / write of Alice (an Acme customer) and of Acme itself.
MATRIX: dict[str, dict[str, set[str]]] = {
    "admin": {"read": ALL, "write": ALL},
    "manager": {"read": ALL, "write": ALL},
    "first_line_agent": {"read": ALL, "write": {"customer"}},
    "second_line_agent": {"read": ALL, "write": {"customer"}},
    "the_customer": {"read": ALL, "write": {"customer"}},  # their own profile
    "same_org_customer": {"read": ALL, "write": set()},
    "other_org_customer": {"read": set(), "write": set()},
    "customer_without_org": {"read": set(), "write": set()},
    "anonymous": {"read": set(), "write": set()},
    "inactive_agent": {"read": set(), "write": set()},
    "inactive_manager": {"read": set(), "write": set()},
    "inactive_customer": {"read": set(), "write": set()},
}
CASES = [(r, k, m) for r in MATRIX for k in sorted(ALL) for m in ("read", "write")]


@pytest.mark.parametrize(("role", "kind", "mode"), CASES, ids=["-".join(c) for c in CASES])
def test_access_matrix(desk, people, role, kind, mode):
    # given a person in a role and Alice / Acme
    user = people[role]
    target = desk.acme_alice if kind == "customer" else desk.acme
    fetch = get_customer_for if kind == "customer" else get_organisation_for
    # when they fetch it by id
    if kind in MATRIX[role][mode]:
        # then they get it
        assert fetch(user, target.pk, write=mode == "write") == target
    else:
        # then it does not exist for them
        with pytest.raises(Http404):
            fetch(user, target.pk, write=mode == "write")
    # and the list agrees with the single fetch
    listing = customers_visible_to(user) if kind == "customer" else organisations_visible_to(user)
    assert (target in listing) == (kind in MATRIX[role]["read"])


def test_another_organisation_and_its_people_by_id(desk):
    # given Carol of Globex; when she asks for Acme or its people by id, then 404
    for pk in (desk.acme.pk, str(desk.acme.pk)):
        with pytest.raises(Http404):
            get_organisation_for(desk.globex_carol, pk)
    for person in (desk.acme_alice, desk.acme_bob, desk.loner):
        with pytest.raises(Http404):
            get_customer_for(desk.globex_carol, person.pk)
    # then her own organisation and herself are found
    assert get_organisation_for(desk.globex_carol, desk.globex.pk) == desk.globex
    assert get_customer_for(desk.globex_carol, desk.globex_carol.pk, write=True) == (
        desk.globex_carol
    )


def test_customer_without_org_sees_only_themselves(desk):
    assert list(customers_visible_to(desk.loner)) == [desk.loner]
    assert not organisations_visible_to(desk.loner).exists()
    assert get_customer_for(desk.loner, desk.loner.pk, write=True) == desk.loner


def test_agents_are_never_fetched_as_customers(desk):
    for user in (desk.admin, desk.agent):
        with pytest.raises(Http404):
            get_customer_for(user, desk.tech.pk)


@pytest.mark.parametrize("pk", [None, "", "x", "1 OR 1=1", "9" * 30])
def test_malformed_ids_are_not_found(desk, pk):
    with pytest.raises(Http404):
        get_customer_for(desk.admin, pk)
    with pytest.raises(Http404):
        get_organisation_for(desk.admin, pk)


def test_agent_names_are_public_but_inactive_agents_are_not_listed(desk):
    desk.tech.is_active = False
    desk.tech.save()
    names = set(agents_visible_to(desk.globex_carol))
    assert {desk.admin, desk.manager, desk.agent} <= names
    assert desk.tech not in names
    assert not names & {desk.acme_alice, desk.globex_carol, desk.loner}
