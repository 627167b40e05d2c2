"""``loket check --deploy``: the node's readiness (``loket.jobs.ready``) as check messages, so
a misconfigured node is caught when it is deployed, before a customer finds out."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from loket.jobs import ready

IDS = {
    "database": "loket.E020",
    "migrations": "loket.E021",
    "secret_key": "loket.E022",
    "cache": "loket.E023",
    "storage": "loket.E024",
    "queues": "loket.E025",
}


@register("loket", deploy=True)
def node_ready(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(f"{check.name}: {check.detail}", id=IDS[check.name])
        for check in ready.assess()
        if not check.ok
    ]
