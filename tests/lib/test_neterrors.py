"""Resolver and socket errors reach people in words, never as "[Errno -2] Name or service not
known"."""

from __future__ import annotations

import socket

import pytest
from django.utils import translation

from loket.lib import neterrors, netguard


def _refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


def test_a_name_that_does_not_exist() -> None:
    with pytest.raises(netguard.NotResolved) as caught:
        netguard.system_resolver("no-such-host.invalid", 80)
    text = str(caught.value)
    assert "Errno" not in text and "Name or service" not in text
    assert "does not exist" in text


def test_a_refused_connection() -> None:
    with socket.socket() as client, pytest.raises(OSError) as caught:
        client.connect(("127.0.0.1", _refused_port()))
    assert neterrors.plain(caught.value) == (
        "the server refused the connection (nothing answers on that port)"
    )


def test_the_cause_is_found_behind_a_wrapping_error() -> None:
    try:
        try:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        except socket.gaierror as inner:
            raise RuntimeError("connect failed") from inner
    except RuntimeError as outer:
        assert "temporary DNS problem" in neterrors.plain(outer)


def test_text_only_errors_and_unknown_ones() -> None:
    assert "nothing answers" in (neterrors.describe_text("[Errno 111] Connection refused") or "")
    assert neterrors.plain(ValueError("something else")) == "something else"


def test_in_dutch() -> None:
    with translation.override("nl"):
        text = neterrors.plain(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    assert "bestaat niet" in text
