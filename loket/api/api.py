"""The one NinjaAPI instance: authentication, error shape and the resource routers."""

from __future__ import annotations

from ninja import NinjaAPI

from loket.api import agents, attachments, customers, errors, organisations, tickets
from loket.api.auth import SessionAuth, TokenAuth
from loket.assist import api as assist_api
from loket.assist import api_secrets
from loket.chat import api as chat_api
from loket.chat import api_survey as chat_survey_api
from loket.chat import api_visitor as chat_api_visitor
from loket.csat import api as csat_api
from loket.kb import api as kb_api
from loket.monitor import api as monitor_api
from loket.reports import api as reports_api
from loket.rules import api_approvals as rules_approvals_api
from loket.rules import api_types as rules_types_api
from loket.webhooks import api as webhooks_api

api = NinjaAPI(
    title="Loket API",
    version="1",
    description=(
        "The Loket helpdesk API. Authenticate with a personal API token "
        "(`Authorization: Bearer lk_...`) or, from the browser, with your session "
        "(unsafe methods then need the `X-CSRFToken` header). Every error is a JSON object "
        '`{"code": ..., "message": ..., "field": ...}`.\n\n'
        "**Tokens** are made on your profile page (`/me/`), shown once, and stored only as a "
        "hash. Each has an optional expiry (30 days, 90 days, a year or never): an expired "
        "token gets `401` with code `token_expired`. A **read-only** token may call only "
        "`GET`, `HEAD` and `OPTIONS`; any other method gets `403` with code "
        "`read_only_token`, before anything is read or changed. A client that sends more "
        "than 30 invalid tokens a minute gets `429` (`throttled`, with `Retry-After`). "
        "Creating and revoking a token is written to the audit log.\n\n"
        "**Sessions**: people whose role requires two-factor authentication and who have not "
        "set it up get `403` with code `mfa_required` until they do."
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
api.add_router("", chat_api.router)  # the chat widget's visitor API (owned by loket/chat)
api.add_router("", chat_api_visitor.router)  # (its files, read state, transcripts, photos)
api.add_router("", chat_survey_api.router)  # its survey at the end of a chat (loket/chat)
api.add_router("", reports_api.router)  # reports (owned by loket/reports)
api.add_router("", csat_api.router)  # satisfaction ratings (owned by loket/csat)
api.add_router("", rules_types_api.router)  # request types (owned by loket/rules)
api.add_router("", rules_approvals_api.router)  # approvals (owned by loket/rules)
api.add_router("", api_secrets.router)  # masked secrets (owned by loket/assist)
api.add_router("", assist_api.router)  # the assistant (owned by loket/assist)
api.add_router("", webhooks_api.router)  # outgoing webhooks (owned by loket/webhooks)
