"""API test helpers: a test client that sends a personal API token, over the real URLconf."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from loket.accounts.models import ApiToken, User


class ApiClient:
    """Calls ``/api/...`` as one person, with their token in the Authorization header."""

    def __init__(self, raw_token: str | None) -> None:
        headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}
        self.client = Client(headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api{path}", params or {})

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            f"/api{path}", json.dumps(body if body is not None else {}), "application/json"
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"/api{path}", json.dumps(body), "application/json")

    def raw(self, method: str, path: str, data: bytes | str = b"") -> Any:
        return self.client.generic(method, f"/api{path}", data, "application/json")


ApiAs = Callable[[User], ApiClient]


@pytest.fixture
def api_as(db: None) -> ApiAs:
    def make(user: User) -> ApiClient:
        _token, raw = ApiToken.issue(user, "tests")
        return ApiClient(raw)

    return make


@pytest.fixture
def anonymous(db: None) -> ApiClient:
    return ApiClient(None)
