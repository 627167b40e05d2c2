"""The one NinjaAPI instance: authentication, error shape and the resource routers."""

from __future__ import annotations

from ninja import NinjaAPI

from loket.api import agents, attachments, customers, errors, organisations, tickets
from loket.api.auth import SessionAuth, TokenAuth
from loket.kb import api as kb_api
from loket.monitor import api as monitor_api

api = NinjaAPI(
    title="Loket API",
    version="1",
    description=(
        "The Loket helpdesk API. Authenticate with a personal API token "
        "(`Authorization: Bearer lk_...`) or, from the browser, with your session "
        "(unsafe methods then need the `X-CSRFToken` header). Every error is a JSON object "
        '`{"code": ..., "message": ..., "field": ...}`.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)
errors.install(api)
api.add_router("", tickets.router)
api.add_router("", customers.router)
api.add_router("", organisations.router)
api.add_router("", agents.router)
api.add_router("", attachments.router)
api.add_router("", kb_api.router)  # knowledge base (owned by loket/kb)
api.add_router("", monitor_api.router)  # monitors (owned by loket/monitor)
