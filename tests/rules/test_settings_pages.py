"""The settings pages for request types, fields and organisation kinds: admins only."""

from __future__ import annotations

from django.test import Client

from loket.rules.models_types import CustomField, KindMembership, OrganisationKind, RequestType
from tests.conftest import Desk
from tests.rules.conftest import Types


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_only_admins_open_the_pages(desk: Desk, types: Types) -> None:
    for person in (desk.agent, desk.manager):
        client = _client(person)
        for path in ("/desk/request-types/", "/desk/request-types/kinds/",
                     f"/desk/request-types/{types.banner.pk}/"):  # fmt: skip
            assert client.get(path).status_code == 403
    admin = _client(desk.admin)
    assert "Banner change" in admin.get("/desk/request-types/").content.decode()
    assert "Partner" in admin.get("/desk/request-types/kinds/").content.decode()
    assert "/desk/request-types/" in admin.get("/desk/settings/").content.decode()


def test_admin_builds_a_type_with_fields_and_a_kind(desk: Desk, types: Types) -> None:
    admin = _client(desk.admin)
    response = admin.post(
        "/desk/request-types/new/",
        {"key": "content-update", "names_en": "Content update", "names_nl": "Inhoud bijwerken",
         "kinds": [types.site_owner.pk], "priority": "3", "order": "5", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    made = RequestType.objects.get(key="content-update")
    assert made.names == {"en": "Content update", "nl": "Inhoud bijwerken"}
    # a select without options is refused with the reason
    refused = admin.post(
        f"/desk/request-types/{made.pk}/fields/new/",
        {"key": "where", "field_type": "select", "labels_en": "Where", "order": "1"},
    )
    assert refused.status_code == 200
    assert "needs at least one option" in refused.content.decode()
    bad_option = admin.post(
        f"/desk/request-types/{made.pk}/fields/new/",
        {"key": "where", "field_type": "select", "labels_en": "Where", "order": "1",
         "options_text": "Top Of Page | Top"},
    )  # fmt: skip
    assert "Line 1" in bad_option.content.decode()
    ok = admin.post(
        f"/desk/request-types/{made.pk}/fields/new/",
        {"key": "where", "field_type": "select", "labels_en": "Where", "labels_nl": "Waar",
         "order": "1", "required": "on", "is_active": "on",
         "options_text": "top | Top | Boven\nbottom | Bottom | Onder"},
    )  # fmt: skip
    assert ok.status_code == 302
    field = CustomField.objects.get(request_type=made, key="where")
    assert field.options == [
        {"value": "top", "labels": {"en": "Top", "nl": "Boven"}},
        {"value": "bottom", "labels": {"en": "Bottom", "nl": "Onder"}},
    ]
    # the same key twice on one type is refused
    twice = admin.post(
        f"/desk/request-types/{made.pk}/fields/new/",
        {"key": "where", "field_type": "text", "labels_en": "Again", "order": "2"},
    )
    assert "already has a field" in twice.content.decode()
    # a new kind with Acme in it
    response = admin.post(
        "/desk/request-types/kinds/new/",
        {"key": "reseller", "names_en": "Reseller", "landing_en": "Hello reseller",
         "organisations": [desk.acme.pk], "order": "3"},
    )  # fmt: skip
    assert response.status_code == 302
    reseller = OrganisationKind.objects.get(key="reseller")
    assert KindMembership.objects.get(organisation=desk.acme).kind == reseller
    assert "Hello reseller" in _client(desk.acme_alice).get("/portal/").content.decode()


def test_admin_sets_an_organisations_kind_on_its_page(desk: Desk, types: Types) -> None:
    admin = _client(desk.admin)
    page = admin.get(f"/desk/organisations/{desk.acme.pk}/").content.decode()
    assert 'id="organisation-kind"' in page and "Partner" in page
    response = admin.post(
        f"/desk/request-types/organisation/{desk.acme.pk}/", {"kind": types.site_owner.pk}
    )
    assert response.status_code == 302
    assert KindMembership.objects.get(organisation=desk.acme).kind == types.site_owner
    admin.post(f"/desk/request-types/organisation/{desk.acme.pk}/", {"kind": ""})
    assert not KindMembership.objects.filter(organisation=desk.acme).exists()
    assert (
        admin.post(f"/desk/request-types/organisation/{desk.acme.pk}/", {"kind": "x'"}).status_code
        == 404
    )
    # a manager sees the kind but cannot change it
    manager = _client(desk.manager)
    page = manager.get(f"/desk/organisations/{desk.globex.pk}/").content.decode()
    assert "Site owner" in page and "/desk/request-types/organisation/" not in page
    assert (
        manager.post(
            f"/desk/request-types/organisation/{desk.globex.pk}/", {"kind": ""}
        ).status_code
        == 403
    )
    assert KindMembership.objects.get(organisation=desk.globex).kind == types.site_owner
