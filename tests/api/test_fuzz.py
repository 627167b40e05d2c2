"""Schema-driven fuzzing of the REST API (schemathesis): every operation in ``/api/openapi.json``
gets generated requests, valid and invalid, as an agent, a manager and a customer (real API
tokens), through the whole Django stack in-process; no answer may be a 5xx.

Bounded: ``LOKET_FUZZ_EXAMPLES`` generated requests per operation and mode (default 12, each
sent as all three callers: about 2,400 requests, some 25 s of CPU), with a fixed seed so a
failure reproduces; ``LOKET_FUZZ_SEED`` picks another seed for a deeper look
(``LOKET_FUZZ_EXAMPLES=200 LOKET_FUZZ_SEED=7 pytest tests/api/test_fuzz.py``).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from loket.accounts.models import ApiToken
from loket.kb.models import Article
from loket.monitor.models import Monitor
from loket.tickets import actions
from loket.tickets.actions import NewAttachment
from loket.tickets.models import Attachment, Channel
from tests.conftest import Desk

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.generation import GenerationMode  # noqa: E402

EXAMPLES = int(os.environ.get("LOKET_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("LOKET_FUZZ_SEED", "20261203"))
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def wsgi_app() -> Callable[..., Iterable[bytes]]:
    """Django as a WSGI app for the test database: the test client's handler, which leaves the
    test's transaction open between requests (the plain WSGI handler would close it)."""
    handler = ClientHandler(enforce_csrf_checks=True)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        response = handler(environ)
        headers = [*response.items()]
        headers += [("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response  # type: ignore[return-value]

    return app


@pytest.fixture
def known_ids(desk: Desk) -> dict[str, list[int]]:
    """Objects the generated ids can point at (random ids are nearly always a 404)."""
    ticket = actions.create_ticket(subject="Banner", body="Gone since this morning.",
                                   customer=desk.acme_alice, channel=Channel.WEB,
                                   by=desk.acme_alice)  # fmt: skip
    other = actions.create_ticket(subject="Payout", body="Late.", customer=desk.globex_carol,
                                  channel=Channel.EMAIL, by=None)  # fmt: skip
    actions.add_customer_message(ticket, body="screenshot", author=desk.acme_alice,
                                 channel=Channel.WEB, by=desk.acme_alice,
                                 attachments=[NewAttachment("shot.png", PNG)])  # fmt: skip
    monitor = Monitor.objects.create(name="Shop", target="https://shop.example.com/",
                                     interval_seconds=60, timeout_seconds=5)  # fmt: skip
    return {
        "tickets": [ticket.pk, other.pk],
        "customers": [desk.acme_alice.pk, desk.globex_carol.pk, desk.loner.pk],
        "organisations": [desk.acme.pk, desk.globex.pk],
        "agents": [desk.agent.pk, desk.manager.pk],
        "attachments": list(Attachment.objects.values_list("pk", flat=True)),
        "articles": list(Article.objects.values_list("pk", flat=True)),
        "monitors": [monitor.pk],
    }


def _ids_for(path: str, known: dict[str, list[int]]) -> list[int]:
    for resource, ids in known.items():
        if f"/{resource}/{{id}}" in path:
            return ids
    return []


def _cases(operation: Any, mode: GenerationMode, ids: list[int]) -> st.SearchStrategy[Any]:
    generated = operation.as_strategy(generation_mode=mode)
    if not ids:
        return generated
    known = st.sampled_from(ids).flatmap(
        lambda pk: operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
    )
    return st.one_of(generated, known)


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """The traceback of every exception a view let through (a 500)."""
    seen: list[str] = []

    def record(sender: Any, request: Any = None, **kwargs: Any) -> None:
        seen.append(traceback.format_exc())

    got_request_exception.connect(record)
    yield seen
    got_request_exception.disconnect(record)


def _fuzz(operation: Any, mode: GenerationMode, tokens: dict[str, str], ids: list[int],
          server_errors: list[str], failures: list[str]) -> None:  # fmt: skip
    """Sends ``EXAMPLES`` generated requests for one operation and mode, each one as every
    caller (generating is the slow part; sending the same request three times is not)."""

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=_cases(operation, mode, ids))
    def call(case: Any) -> None:
        for role, token in tokens.items():
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} as {role} ({mode.value}): {case.as_curl_command()}\n"
                    + (server_errors[-1] if server_errors else "")
                )

    call()


def test_no_generated_api_call_answers_with_a_server_error(
    desk: Desk, known_ids: dict[str, list[int]], server_errors: list[str]
) -> None:
    # given the API's own schema, and tokens of an agent, a manager and a customer
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app())
    callers = {"agent": desk.agent, "manager": desk.manager, "customer": desk.acme_alice}
    tokens = {role: ApiToken.issue(user, "fuzz")[1] for role, user in callers.items()}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the schema loaded and lists the API
    # when each operation gets valid and invalid requests from each of them
    failures: list[str] = []
    for operation in operations:
        ids = _ids_for(operation.path, known_ids)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, tokens, ids, server_errors, failures)
    # then no request was answered with a server error
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:10])
