"""Canned replies in the settings area: both registers where a language has them, known
variables only, a preview with the variables filled in, audited."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.accounts.models import AuditEntry, User
from loket.kb.models import Macro
from tests.conftest import Desk

pytestmark = pytest.mark.django_db


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(texts: list[tuple[str, str, str]], **fields: str) -> dict[str, object]:
    data: dict[str, object] = {"title": "Thanks", "shortcut": "thanks", "is_active": "on",
                               "texts-TOTAL_FORMS": str(len(texts)),
                               "texts-INITIAL_FORMS": "0", **fields}  # fmt: skip
    for i, (language, formality, body) in enumerate(texts):
        data.update({f"texts-{i}-language": language, f"texts-{i}-formality": formality,
                     f"texts-{i}-body": body})  # fmt: skip
    return data


def test_canned_replies_are_checked_previewed_and_audited(desk: Desk) -> None:
    manager = _as(desk.manager)
    assert _as(desk.agent).get("/desk/settings/canned-replies/").status_code == 403
    one_register = manager.post(
        "/desk/settings/canned-replies/new/",
        _post([("nl", "informal", "Dank je, {{ customer.first_name }}!")]),
    ).content.decode()
    assert "needs a formal and an informal text" in one_register
    assert "Dank je, Marieke!" in one_register  # the preview fills the variables in
    unknown = manager.post(
        "/desk/settings/canned-replies/new/", _post([("en", "", "Hi {{ customer.password }}")])
    ).content.decode()
    assert "Unknown variables: customer.password" in unknown
    assert not Macro.objects.exists()
    saved = manager.post(
        "/desk/settings/canned-replies/new/",
        _post([("nl", "informal", "Dank je, {{ customer.first_name }}!"),
               ("nl", "formal", "Dank u wel, {{ customer.name }}."),
               ("en", "", "Thank you, {{ customer.first_name }}.")]),
    )  # fmt: skip
    assert saved.status_code == 302
    macro = Macro.objects.get(shortcut="thanks")
    assert macro.texts.count() == 3
    assert AuditEntry.objects.filter(
        action="setting_created", data__section="canned_replies", actor=desk.manager
    ).exists()
    page = manager.get(f"/desk/settings/canned-replies/{macro.pk}/").content.decode()
    assert "Dank u wel, Marieke van Dam." in page
