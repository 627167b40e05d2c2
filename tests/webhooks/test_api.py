"""``/api/webhooks``: admins manage webhook subscriptions and read their delivery log over the
REST API, with the desk's rules: everybody else gets 403, and a private or loopback target
is refused (422 on ``url``) unless its network is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from loket.accounts.models import ApiToken, AuditEntry, User
from loket.webhooks import actions
from loket.webhooks.models import Attempt, Delivery, DeliveryState, Subscription
from tests.api.conftest import ApiAs, ApiClient
from tests.conftest import Desk
from tests.webhooks.conftest import run_queued
from tests.webhooks.receiver import Answer, Receiver


@pytest.fixture
def api_as(db: None) -> ApiAs:
    def make(user: User) -> ApiClient:
        _token, raw = ApiToken.issue(user, "tests")
        return ApiClient(raw)

    return make


def _delete(client: ApiClient, path: str) -> Any:
    return client.raw("DELETE", path)


@pytest.mark.usefixtures("loopback_allowed")
def test_admin_creates_lists_changes_and_deletes_a_webhook(
    desk: Desk, api_as: ApiAs, hook_receiver: Receiver
) -> None:
    api = api_as(desk.admin)
    # when an admin creates a webhook
    made = api.post(
        "/webhooks",
        {"name": "CRM", "url": hook_receiver.url, "kinds": ["monitor.down", "ticket.created"]},
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    hook = Subscription.objects.get()
    # then it is stored as the desk stores it (kinds in their order), with its new secret shown
    assert body["id"] == hook.pk and body["secret"] == hook.secret and len(hook.secret) > 20
    assert body["kinds"] == ["ticket.created", "monitor.down"] == hook.kinds
    assert (body["active"], body["waiting"], body["held"]) == (True, 0, 0)
    # the list leaves the secret out; the single GET shows it
    (listed,) = api.get("/webhooks").json()["items"]
    assert listed["id"] == hook.pk and listed["secret"] is None
    assert api.get(f"/webhooks/{hook.pk}").json()["secret"] == hook.secret
    # a change of the fields present, then off (new events held) and on again
    changed = api.patch(f"/webhooks/{hook.pk}", {"name": "CRM 2", "kinds": ["ticket.sla_breached"]})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["url"]) == ("CRM 2", hook_receiver.url)
    off = api.patch(f"/webhooks/{hook.pk}", {"active": False})
    assert off.json()["active"] is False and off.json()["disabled_at"] is not None
    assert api.patch(f"/webhooks/{hook.pk}", {"active": True}).json()["active"] is True
    assert api.patch(f"/webhooks/{hook.pk}", {"name": None}).status_code == 422
    # and deleted
    assert _delete(api, f"/webhooks/{hook.pk}").status_code == 204
    assert not Subscription.objects.exists()
    assert _delete(api, f"/webhooks/{hook.pk}").status_code == 404
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "webhook_created",
        "webhook_changed",
        "webhook_switched_off",
        "webhook_switched_on",
        "webhook_deleted",
    ]


@pytest.mark.usefixtures("loopback_allowed")
def test_the_delivery_log_shows_each_attempt_newest_first(
    desk: Desk, api_as: ApiAs, hook_receiver: Receiver
) -> None:
    hook = actions.create(name="CRM", url=hook_receiver.url, kinds=["monitor.down"], by=desk.admin)
    actions.send_test(hook, by=desk.admin)
    hook_receiver.answer(Answer(status=500, body=b"<b>down</b>"))
    actions.send_test(hook, by=desk.admin)
    log = api_as(desk.admin).get(f"/webhooks/{hook.pk}/attempts", {"limit": 5})
    assert log.status_code == 200, log.json()
    newest, oldest = log.json()["items"]
    assert (newest["ok"], newest["status_code"], newest["answer"]) == (False, 500, "<b>down</b>")
    assert (oldest["ok"], oldest["status_code"], oldest["kind"]) == (True, 200, "ping")
    assert oldest["delivery"] == str(Attempt.objects.order_by("id").first().uid)  # type: ignore[union-attr]
    one = api_as(desk.admin).get(f"/webhooks/{hook.pk}/attempts", {"limit": 1}).json()["items"]
    assert [a["id"] for a in one] == [newest["id"]]
    assert api_as(desk.admin).get(f"/webhooks/{hook.pk}/attempts", {"x": 1}).status_code == 400


@pytest.mark.usefixtures("loopback_allowed")
def test_held_deliveries_are_counted_and_sent_when_switched_on(
    desk: Desk, api_as: ApiAs, hook_receiver: Receiver
) -> None:
    hook = actions.create(name="CRM", url=hook_receiver.url, kinds=["monitor.down"], by=desk.admin)
    actions.switch_off(hook, by=desk.admin)
    Delivery.objects.create(subscription=hook, kind="monitor.down", body="{}", state="held")
    api = api_as(desk.admin)
    assert api.get(f"/webhooks/{hook.pk}").json()["held"] == 1
    assert api.patch(f"/webhooks/{hook.pk}", {"active": True}).json()["waiting"] == 1
    run_queued("webhooks")
    assert Delivery.objects.get().state == DeliveryState.DELIVERED
    assert len(hook_receiver.received) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.com/hook",
        "javascript:alert(1)",
    ],
)
def test_a_private_loopback_or_odd_target_is_refused(desk: Desk, api_as: ApiAs, url: str) -> None:
    api = api_as(desk.admin)
    refused = api.post("/webhooks", {"name": "CRM", "url": url, "kinds": ["ticket.created"]})
    assert refused.status_code == 422, refused.json()
    assert refused.json()["field"] == "url"
    assert not Subscription.objects.exists()


def test_a_change_to_a_loopback_target_is_refused(desk: Desk, api_as: ApiAs, settings: Any) -> None:
    settings.HTTP_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    hook = actions.create(
        name="CRM", url="http://127.0.0.1:9/hook", kinds=["ticket.created"], by=desk.admin
    )
    settings.HTTP_ALLOWED_NETWORKS = []
    refused = api_as(desk.admin).patch(f"/webhooks/{hook.pk}", {"url": "http://127.0.0.2/x"})
    assert refused.status_code == 422 and refused.json()["field"] == "url"
    hook.refresh_from_db()
    assert hook.url == "http://127.0.0.1:9/hook"


def test_unknown_kinds_are_refused(desk: Desk, api_as: ApiAs) -> None:
    api = api_as(desk.admin)
    for kinds in (["ticket.exploded"], []):
        answer = api.post(
            "/webhooks", {"name": "X", "url": "https://hooks.example/", "kinds": kinds}
        )
        assert answer.status_code == 422 and answer.json()["field"] == "kinds"


@pytest.mark.usefixtures("loopback_allowed")
def test_nobody_but_admins_may_see_or_change_webhooks(
    desk: Desk, api_as: ApiAs, hook_receiver: Receiver
) -> None:
    hook = actions.create(name="CRM", url=hook_receiver.url, kinds=["monitor.down"], by=desk.admin)
    for person in (desk.manager, desk.agent, desk.acme_alice):
        api = api_as(person)
        calls = [
            api.get("/webhooks"),
            api.get(f"/webhooks/{hook.pk}"),
            api.get(f"/webhooks/{hook.pk}/attempts"),
            api.post(
                "/webhooks", {"name": "X", "url": hook_receiver.url, "kinds": ["ticket.created"]}
            ),
            api.patch(f"/webhooks/{hook.pk}", {"name": "Mine"}),
            _delete(api, f"/webhooks/{hook.pk}"),
        ]
        assert [c.status_code for c in calls] == [403] * 6, person.email
        assert all(c.json()["code"] == "forbidden" for c in calls)
        assert hook.secret not in "".join(c.content.decode() for c in calls)
    assert ApiClient(None).get("/webhooks").status_code == 401
    # a read-only token of an admin reads but does not change
    _token, raw = ApiToken.issue(desk.admin, "read", read_only=True)
    reader = ApiClient(raw)
    assert reader.get("/webhooks").status_code == 200
    assert reader.patch(f"/webhooks/{hook.pk}", {"name": "Mine"}).status_code == 403
    hook.refresh_from_db()
    assert hook.name == "CRM" and Subscription.objects.count() == 1
