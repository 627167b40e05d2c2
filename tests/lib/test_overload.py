"""Which database errors are an overload or an outage (503 with Retry-After) and which are bugs
(500): real errors from real connections, not made-up messages."""

from __future__ import annotations

import dj_database_url
import pytest
from django.db import DatabaseError, OperationalError, connection
from django.db.utils import ConnectionHandler

from loket.lib.overload import is_overload
from tests.live.site import free_port


@pytest.mark.django_db  # lets pytest-django allow opening connections
def test_a_database_that_refuses_connections_is_an_outage_not_a_bug() -> None:
    # given a PostgreSQL address where nothing listens (the database is restarting)
    config = dj_database_url.parse(f"postgres://loket@127.0.0.1:{free_port()}/loket")
    config["OPTIONS"] = {"connect_timeout": 2}
    handler = ConnectionHandler({"default": config})
    # when a request's connection is opened, then the error counts as an overload (503)
    with pytest.raises(OperationalError) as caught:
        handler["default"].ensure_connection()
    assert is_overload(caught.value), str(caught.value)
    handler.close_all()


@pytest.mark.django_db
def test_a_broken_query_is_still_a_bug() -> None:
    with pytest.raises(DatabaseError) as caught, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")
    assert not is_overload(caught.value)
