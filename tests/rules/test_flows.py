"""Request types from every entry point: the portal, the contact form, the agent's new-ticket
page; access by organisation kind; the ticket page; search, inbox filters and field events."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from loket.rules.actions_types import set_field_values, submit
from loket.rules.fields import FieldErrors
from loket.rules.models_types import FieldValue, TicketRequest
from loket.tickets.models import Attachment, Channel, Event, EventKind, Priority, State, Ticket
from loket.tickets.search import search_tickets
from tests.conftest import Desk
from tests.rules.conftest import Types


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _banner(desk: Desk, types: Types, **values: object) -> Ticket:
    return submit(
        request_type=types.banner,
        values={"site": "https://globex.test/", "position": "top", **values},
        subject="New banner",
        body="Please swap the banner.",
        customer=desk.globex_carol,
        by=desk.globex_carol,
        channel=Channel.WEB,
    )


def test_portal_offers_each_kind_its_own_types(desk: Desk, types: Types) -> None:
    # given a site owner (Globex) and a partner (Acme)
    carol = _client(desk.globex_carol).get("/portal/new/").content.decode()
    alice = _client(desk.acme_alice).get("/portal/new/").content.decode()
    # then each sees their kind's types and the one for everybody, not the other kind's
    assert "Banner change" in carol and "Hosting problem" in carol
    assert "Payout question" not in carol
    assert "Payout question" in alice and "Hosting problem" in alice
    assert "Banner change" not in alice
    # and the partner's landing text shows on their portal home
    assert "Welcome, partner." in _client(desk.acme_alice).get("/portal/").content.decode()


def test_a_customer_cannot_use_another_kinds_type(desk: Desk, types: Types) -> None:
    alice = _client(desk.acme_alice)
    assert alice.get("/portal/new/?type=banner-change").status_code == 404
    response = alice.post(
        "/portal/new/?type=banner-change",
        {"subject": "x", "body": "y", "cf_site": "https://acme.test/", "cf_position": "top"},
    )
    assert response.status_code == 404
    assert not Ticket.objects.exists()
    with pytest.raises(Exception, match="not offered"):
        submit(
            request_type=types.banner, values={}, subject="s", body="b",
            customer=desk.acme_alice, by=desk.acme_alice, channel=Channel.WEB,
        )  # fmt: skip
    # a customer without an organisation (no kind, no default) sees only types for everybody
    assert _client(desk.loner).get("/portal/new/?type=payout-question").status_code == 404
    assert _client(desk.loner).get("/portal/new/?type=hosting-problem").status_code == 200


def test_portal_submission_stores_values_and_file(desk: Desk, types: Types) -> None:
    carol = _client(desk.globex_carol)
    page = carol.get("/portal/new/?type=banner-change").content.decode()
    assert 'name="cf_site"' in page and 'name="cf_artwork"' in page
    # when she submits with a bad URL, the page says which field, and nothing is stored
    bad = carol.post(
        "/portal/new/?type=banner-change",
        {"subject": "Banner", "body": "Swap it", "cf_site": "javascript:alert(1)",
         "cf_position": "top"},
    )  # fmt: skip
    assert bad.status_code == 200
    assert "Enter a web address" in bad.content.decode()
    assert not Ticket.objects.exists()
    # when she fixes it and adds the artwork
    done = carol.post(
        "/portal/new/?type=banner-change",
        {
            "subject": "Banner",
            "body": "Swap it",
            "cf_site": "https://globex.test/",
            "cf_position": "side",
            "cf_pages": ["home", "shop"],
            "cf_budget": "99.5",
            "cf_urgent": "on",
            "cf_artwork": SimpleUploadedFile("banner.png", b"\x89PNG fake", "image/png"),
        },
    )
    assert done.status_code == 302
    ticket = Ticket.objects.get()
    assert TicketRequest.objects.get(ticket=ticket).request_type == types.banner
    values = {v.field.key: v.value for v in FieldValue.objects.filter(ticket=ticket)}
    assert values == {
        "site": "https://globex.test/",
        "position": "side",
        "pages": ["home", "shop"],
        "budget": "99.50",
        "urgent": True,
        "artwork": {"name": "banner.png"},
    }
    assert Attachment.objects.filter(message__ticket=ticket, filename="banner.png").exists()
    # and she sees her answers on her ticket page, without an editor
    page = carol.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'id="request-fields"' in page and "https://globex.test/" in page
    assert "Change fields" not in page


def test_contact_form_offers_only_types_for_everybody(desk: Desk, types: Types) -> None:
    client = Client()
    page = client.get("/contact/").content.decode()
    assert "Hosting problem" in page and "Banner change" not in page
    assert client.get("/contact/?type=banner-change").status_code == 404
    response = client.post(
        "/contact/?type=hosting-problem",
        {"name": "Visitor", "email": "visitor@example.test", "subject": "Down",
         "body": "My site is down", "website": "", "cf_host": "web1.example.test"},
    )  # fmt: skip
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.sender_unconfirmed
    assert FieldValue.objects.get(ticket=ticket).value == "web1.example.test"


def test_type_sets_team_priority_and_kind_routes(desk: Desk, types: Types) -> None:
    types.banner.team = desk.second_line
    types.banner.priority = int(Priority.HIGH)
    types.banner.save()
    types.partner.team = desk.management
    types.partner.save()
    ticket = _banner(desk, types)
    assert ticket.team == desk.second_line and ticket.priority == Priority.HIGH
    routed = submit(
        request_type=None, values={}, subject="Hi", body="General", customer=desk.acme_alice,
        by=desk.acme_alice, channel=Channel.WEB,
    )  # fmt: skip
    assert routed.team == desk.management


def test_agent_new_ticket_of_a_type(desk: Desk, types: Types) -> None:
    agent = _client(desk.agent)
    page = agent.get("/desk/request-types/ticket/new/?type=payout-question")
    assert page.status_code == 200 and 'name="cf_amount"' in page.content.decode()
    data = {
        "customer_email": "alice@acme.test", "customer_name": "Alice", "subject": "Payout",
        "body": "Where is it?", "channel": "phone", "priority": "2", "cf_amount": "abc",
    }  # fmt: skip
    refused = agent.post("/desk/request-types/ticket/new/?type=payout-question", data)
    assert refused.status_code == 200 and "Enter a number." in refused.content.decode()
    assert not Ticket.objects.exists()
    ok = agent.post(
        "/desk/request-types/ticket/new/?type=payout-question", {**data, "cf_amount": "250"}
    )
    assert ok.status_code == 302
    assert FieldValue.objects.get().value == "250.00"


def test_ticket_page_shows_fields_and_agents_change_them_with_events(
    desk: Desk, types: Types
) -> None:
    ticket = _banner(desk, types, note="Old wording")
    tech = _client(desk.admin)
    page = tech.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'id="request-fields"' in page and "Old wording" in page
    # when an agent changes two fields on the ticket page
    response = tech.post(
        f"/desk/request-types/ticket/{ticket.pk}/fields/",
        {"cf_site": "https://globex.test/", "cf_position": "side", "cf_note": "New wording"},
    )
    assert response.status_code == 302
    events = list(Event.objects.filter(ticket=ticket, kind=EventKind.FIELD).order_by("pk"))
    assert [(e.before, e.after) for e in events] == [
        ({"field": "position", "value": "top"}, {"field": "position", "value": "side"}),
        ({"field": "note", "value": "Old wording"}, {"field": "note", "value": "New wording"}),
    ]
    page = tech.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "changed Note: Old wording → New wording" in page
    # a wrong value changes nothing and says why
    with pytest.raises(FieldErrors) as refused:
        set_field_values(ticket, {"count": "lots", "note": "x"}, by=desk.admin)
    assert set(refused.value.errors) == {"count"}
    assert FieldValue.objects.get(ticket=ticket, field__key="note").value == "New wording"
    # customers may not change fields
    with pytest.raises(Exception, match="Only agents"):
        set_field_values(ticket, {"note": "mine"}, by=desk.globex_carol)


def test_closed_tickets_keep_their_fields(desk: Desk, types: Types) -> None:
    from loket.tickets import actions

    ticket = _banner(desk, types)
    actions.reply(ticket, body="Done.", by=desk.admin, then_state=State.RESOLVED)
    actions.change_state(ticket, State.CLOSED, by=desk.admin)
    with pytest.raises(actions.ActionError):
        set_field_values(ticket, {"note": "late"}, by=desk.admin)


def test_field_values_are_searchable_only_by_who_sees_the_ticket(desk: Desk, types: Types) -> None:
    ticket = _banner(desk, types, note="Zeppelinbanner campaign")
    assert [t.pk for t in search_tickets(desk.admin, "zeppelinbanner")] == [ticket.pk]
    assert [t.pk for t in search_tickets(desk.globex_carol, "Zeppelinbanner campaign")] == [
        ticket.pk
    ]
    assert search_tickets(desk.acme_alice, "zeppelinbanner") == []
    # option labels are found too, in either language
    assert [t.pk for t in search_tickets(desk.admin, "Top")] == [ticket.pk]


def test_inbox_filters_by_type_and_field(desk: Desk, types: Types) -> None:
    banner = _banner(desk, types, note="red")
    other = _banner(desk, types, note="blue")
    hosting = submit(
        request_type=types.hosting, values={"host": "web1"}, subject="Down", body="Down!",
        customer=desk.acme_alice, by=desk.acme_alice, channel=Channel.WEB,
    )  # fmt: skip
    admin = _client(desk.admin)
    page = admin.get("/desk/", {"view": "all", "type": "banner-change"}).content.decode()
    assert f'data-ticket="{banner.pk}"' in page
    assert f"/desk/tickets/{hosting.pk}/" not in page
    page = admin.get("/desk/", {"view": "all", "field": "note=red"}).content.decode()
    assert f"/desk/tickets/{banner.pk}/" in page
    assert f"/desk/tickets/{other.pk}/" not in page
    # nonsense is ignored, never a 500
    for bad in ("'; DROP TABLE x; --", "=", "note", "x" * 500):
        assert admin.get("/desk/", {"view": "all", "field": bad, "type": bad}).status_code == 200


def test_sla_policy_of_the_type_then_of_the_kind(desk: Desk, types: Types) -> None:
    from loket.sla.models import BusinessCalendar, Policy, TicketSla
    from loket.sla.tracking import rebuild
    from loket.tickets import actions

    calendar = BusinessCalendar.objects.create(name="24/7", spec={"tz": "UTC", "24/7": True})
    default = Policy.objects.create(name="Default", calendar=calendar)
    for_banners = Policy.objects.create(name="Banners", calendar=calendar)
    for_partners = Policy.objects.create(name="Partners", calendar=calendar)
    types.banner.sla_policy = for_banners
    types.banner.save()
    types.partner.sla_policy = for_partners
    types.partner.save()
    # a banner request gets the type's policy, also when its clocks are rebuilt
    banner = _banner(desk, types)
    assert TicketSla.objects.get(pk=banner.pk).policy == for_banners
    assert rebuild(banner).policy == for_banners
    # a partner's mail (no type) gets the kind's policy; a customer without a kind the default
    mail = actions.create_ticket(
        subject="Payout?", body="Where is my money", customer=desk.acme_alice, by=None,
        channel=Channel.EMAIL,
    )  # fmt: skip
    assert TicketSla.objects.get(pk=mail.pk).policy == for_partners
    lone = actions.create_ticket(
        subject="Hi", body="Hello", customer=desk.loner, by=None, channel=Channel.EMAIL
    )
    assert TicketSla.objects.get(pk=lone.pk).policy == default


def test_the_system_may_change_fields_too(desk: Desk, types: Types) -> None:
    # given a banner ticket, when an automation (no person) sets a field
    ticket = _banner(desk, types)
    assert set_field_values(ticket, {"note": "set by a rule"}, by=None) == 1
    event = Event.objects.get(ticket=ticket, kind=EventKind.FIELD)
    assert event.actor is None and event.after == {"field": "note", "value": "set by a rule"}
    # then setting the same value again is no change and writes no event
    assert set_field_values(ticket, {"note": "set by a rule"}, by=None) == 0
    assert Event.objects.filter(ticket=ticket, kind=EventKind.FIELD).count() == 1
