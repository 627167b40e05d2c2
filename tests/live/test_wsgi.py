"""Under a WSGI server (which cannot hold streams open) the desk does not offer a live stream
and its pages keep polling; the endpoint refuses instead of holding a thread for ever."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import Desk


def test_wsgi_pages_offer_no_stream_and_the_endpoint_refuses(desk: Desk) -> None:
    client = Client()
    client.force_login(desk.agent)
    page = client.get(reverse("desk:inbox")).content.decode()
    assert "data-live-stream" not in page
    assert "data-sla-unread" in page  # the badge polls instead
    response = client.get(reverse("live:stream"))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
