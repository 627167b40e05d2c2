"""``cc`` on ``POST /api/tickets/{id}/reply``: agents choose the Cc, customers may not."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from loket.tickets.models import Message, MessageKind, Ticket
from tests.api.conftest import ApiAs
from tests.conftest import Desk

NOTIFY = "loket.tickets.tasks.notify_customer_of_reply"


def test_an_agent_sets_the_cc_of_a_reply(desk: Desk, api_as: ApiAs, globex_ticket: Ticket) -> None:
    client = api_as(desk.agent)
    # when an agent replies with a Cc (mixed case, twice, with the customer in it)
    response = client.post(
        f"/tickets/{globex_ticket.pk}/reply",
        {
            "body": "Your payout left today.",
            "cc": ["Finance@Globex.test", "finance@globex.test", "carol@globex.test"],
        },
    )
    # then the reply stores the tidied choice, shows it to agents and queues the mail
    assert response.status_code == 201, response.content
    assert response.json()["cc"] == ["finance@globex.test"]
    reply = Message.objects.get(pk=response.json()["id"])
    assert reply.cc == ["finance@globex.test"]
    assert DBTaskResult.objects.filter(task_path=NOTIFY, args_kwargs__args=[reply.pk]).exists()
    listed = client.get(f"/tickets/{globex_ticket.pk}/messages").json()
    assert [m["cc"] for m in listed] == [None, ["finance@globex.test"]]
    events = client.get(f"/tickets/{globex_ticket.pk}/events").json()
    assert {"kind": "reply", "cc": ["finance@globex.test"]} in [e["after"] for e in events]


def test_an_empty_list_means_no_cc_and_leaving_it_out_means_automatic(
    desk: Desk, api_as: ApiAs, globex_ticket: Ticket
) -> None:
    client = api_as(desk.agent)
    none = client.post(f"/tickets/{globex_ticket.pk}/reply", {"body": "One.", "cc": []})
    auto = client.post(f"/tickets/{globex_ticket.pk}/reply", {"body": "Two."})
    null = client.post(f"/tickets/{globex_ticket.pk}/reply", {"body": "Three.", "cc": None})
    assert [r.status_code for r in (none, auto, null)] == [201, 201, 201]
    assert [r.json()["cc"] for r in (none, auto, null)] == [[], None, None]
    assert list(
        globex_ticket.messages.filter(kind=MessageKind.REPLY)
        .order_by("pk")
        .values_list("cc", flat=True)
    ) == [[], None, None]


def test_a_bad_cc_is_a_422_on_the_field_and_stores_nothing(
    desk: Desk, api_as: ApiAs, globex_ticket: Ticket
) -> None:
    client = api_as(desk.agent)
    for cc in (
        ["finance@globex.test\r\nBcc: victim@example.test"],
        ["not an address"],
        ["a@globex.test, b@globex.test"],
        [f"p{i}@globex.test" for i in range(11)],  # the default limit is 10
    ):
        response = client.post(f"/tickets/{globex_ticket.pk}/reply", {"body": "Hi.", "cc": cc})
        assert response.status_code == 422, (cc, response.content)
        assert response.json()["field"] == "cc"
    nul = client.post(f"/tickets/{globex_ticket.pk}/reply", {"body": "Hi.", "cc": ["a\x00@x.test"]})
    assert nul.status_code == 422 and nul.json()["field"].startswith("cc")
    assert globex_ticket.messages.count() == 1
    assert not DBTaskResult.objects.filter(task_path=NOTIFY).exists()


def test_customers_may_not_set_the_cc(desk: Desk, api_as: ApiAs, acme_ticket: Ticket) -> None:
    client = api_as(desk.acme_alice)
    for cc in (["boss@acme.test"], [], None):
        response = client.post(f"/tickets/{acme_ticket.pk}/reply", {"body": "Also.", "cc": cc})
        assert response.status_code == 403, response.content
        assert response.json() == {
            "code": "forbidden",
            "message": "Only agents may set this.",
            "field": "cc",
        }
    assert acme_ticket.messages.count() == 1
    # without cc the customer's message is taken, and customers never see a Cc
    mine = client.post(f"/tickets/{acme_ticket.pk}/reply", {"body": "Also."})
    assert mine.status_code == 201 and mine.json()["cc"] is None
    client_agent = api_as(desk.agent)
    client_agent.post(f"/tickets/{acme_ticket.pk}/reply", {"body": "Ok.", "cc": ["x@acme.test"]})
    listed = client.get(f"/tickets/{acme_ticket.pk}/messages").json()
    assert [m["cc"] for m in listed] == [None, None, None]
