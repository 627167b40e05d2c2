"""`loket check`: the outgoing-HTTP settings are read before the first monitor runs."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register("loket")
def http_networks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    configured = getattr(settings, "HTTP_ALLOWED_NETWORKS", ())
    if isinstance(configured, str):
        configured = configured.split(",")
    for value in configured:
        text = str(value).strip()
        if not text:
            continue
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            problems.append(
                Error(f"HTTP_ALLOWED_NETWORKS: {text!r} is not a network", id="loket.E101")
            )
            continue
        if network.prefixlen == 0:
            problems.append(
                Warning(
                    f"HTTP_ALLOWED_NETWORKS opens every address ({text}): monitors, "
                    "webhooks and mailboxes can then reach this machine and your internal "
                    "network",
                    id="loket.W101",
                )
            )
    return problems
