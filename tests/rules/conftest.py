"""Request types for the tests: a site-owner kind (Globex) and a partner kind (Acme), a type
for each and one for everybody, with a field of every type; and the webhook tests' loopback
receiver, for the rules' "call a webhook" action."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from loket.rules.kinds import set_kind
from loket.rules.models_types import CustomField, FieldType, OrganisationKind, RequestType
from tests.api.conftest import anonymous, api_as  # noqa: F401 - fixtures used here too
from tests.conftest import Desk
from tests.mail.conftest import mta  # noqa: F401 - fixture (approval mails)
from tests.webhooks.conftest import hook_receiver, loopback_allowed  # noqa: F401  (fixtures)


@dataclass
class Types:
    partner: OrganisationKind
    site_owner: OrganisationKind
    banner: RequestType  # site owners only, a field of every type
    payout: RequestType  # partners only
    hosting: RequestType  # everybody


def opts(*values: str) -> list[dict[str, object]]:
    return [{"value": v, "labels": {"en": v.title(), "nl": f"nl-{v}"}} for v in values]


@pytest.fixture
def types(desk: Desk) -> Types:
    partner = OrganisationKind.objects.create(
        key="partner",
        names={"en": "Partner", "nl": "Partner"},
        landing={"en": "Welcome, partner.", "nl": "Welkom, partner."},
    )
    site_owner = OrganisationKind.objects.create(
        key="site-owner", names={"en": "Site owner", "nl": "Site-eigenaar"}
    )
    set_kind(desk.acme, partner)
    set_kind(desk.globex, site_owner)
    banner = RequestType.objects.create(
        key="banner-change", names={"en": "Banner change", "nl": "Banner wijzigen"}
    )
    banner.kinds.set([site_owner])
    for order, (key, kind, required, options) in enumerate(
        [
            ("site", FieldType.URL, True, []),
            ("position", FieldType.SELECT, True, opts("top", "side")),
            ("pages", FieldType.MULTI_SELECT, False, opts("home", "all", "shop")),
            ("note", FieldType.TEXT, False, []),
            ("details", FieldType.LONG_TEXT, False, []),
            ("count", FieldType.NUMBER, False, []),
            ("budget", FieldType.MONEY, False, []),
            ("from_date", FieldType.DATE, False, []),
            ("urgent", FieldType.CHECKBOX, False, []),
            ("artwork", FieldType.FILE, False, []),
        ]
    ):
        CustomField.objects.create(
            request_type=banner, key=key, field_type=kind, required=required, options=options,
            labels={"en": key.replace("_", " ").title(), "nl": f"NL {key}"}, order=order,
        )  # fmt: skip
    payout = RequestType.objects.create(
        key="payout-question", names={"en": "Payout question", "nl": "Vraag over uitbetaling"}
    )
    payout.kinds.set([partner])
    CustomField.objects.create(
        request_type=payout, key="amount", field_type=FieldType.MONEY, required=True,
        labels={"en": "Amount", "nl": "Bedrag"},
    )  # fmt: skip
    hosting = RequestType.objects.create(
        key="hosting-problem", names={"en": "Hosting problem", "nl": "Hostingprobleem"}
    )
    CustomField.objects.create(
        request_type=hosting, key="host", field_type=FieldType.TEXT, required=False,
        labels={"en": "Host", "nl": "Host"},
    )  # fmt: skip
    return Types(partner, site_owner, banner, payout, hosting)
