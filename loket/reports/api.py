"""``/api/reports``: the report figures as JSON, the same registry as the desk page.

Agents only; a manager gets the figures of every ticket they may see, an agent their own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from loket.accounts.models import OrganisationTier
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError, bad_request
from loket.api.params import reject_unknown_params
from loket.reports import registry
from loket.reports.filters import PARAMS, FilterError, parse
from loket.reports.views import context_for
from loket.tickets.models import Channel

router = Router(tags=["reports"])


class FigureOut(Schema):
    key: str
    label: str
    definition: str
    section: str


class ColumnOut(Schema):
    key: str
    label: str


class ReportOut(Schema):
    key: str
    label: str
    definition: str
    period_from: date
    period_to: date
    granularity: str = Field(description="day, week or month: the period column's steps.")
    columns: list[ColumnOut]
    rows: list[dict[str, Any]] = Field(description="One object per row, keyed by column key.")
    headline: dict[str, Any] | None


class ReportFilters(Schema):
    from_: date | None = Field(None, alias="from", description="First day (desk time zone).")
    to: date | None = Field(None, description="Last day, inclusive. Default: today.")
    team: int | None = None
    tier: int | None = Field(None, description="1 first line, 2 second line, 3 management.")
    channel: Channel | None = None
    organisation: int | None = None
    organisation_kind: OrganisationTier | None = Field(
        None, description="The organisation's customer tier, e.g. partner or advertiser."
    )
    kind: str | None = Field(
        None, description="The organisation's kind (its key), e.g. partner or site-owner."
    )
    agent: int | None = Field(None, description="Assignee (managers only).")


def _figure_out(figure: registry.Figure) -> FigureOut:
    return FigureOut(
        key=figure.key,
        label=str(figure.label),
        definition=str(figure.definition),
        section=str(figure.section),
    )


def _agent(request: HttpRequest) -> Any:
    user = current_user(request)
    if not user.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    return user


@router.get("/reports", response={200: list[FigureOut], **ERRORS})
def list_reports(request: HttpRequest) -> list[FigureOut]:
    """Every figure with its definition."""
    _agent(request)
    return [_figure_out(f) for f in registry.all_figures()]


@router.get("/reports/{key}", response={200: ReportOut, **ERRORS})
def get_report(request: HttpRequest, key: str, filters: Query[ReportFilters]) -> ReportOut:
    """One figure over a period (default: the last 30 days), narrowed by the filters."""
    user = _agent(request)
    reject_unknown_params(request, PARAMS)
    figure = registry.get(key)
    if figure is None:
        raise ApiError(404, "not_found", _("No such report."))
    try:
        parsed = parse(request.GET)
    except FilterError as exc:
        raise bad_request("invalid_filter", exc.message, field=exc.field) from None
    result = figure.compute(context_for(user, parsed))
    return ReportOut(
        key=figure.key,
        label=str(figure.label),
        definition=str(figure.definition),
        period_from=parsed.start,
        period_to=parsed.end,
        granularity=parsed.granularity,
        columns=[
            ColumnOut(key=k, label=lb) for k, lb in zip(result.keys, result.labels, strict=True)
        ],
        rows=result.as_dicts(),
        headline=result.headline,
    )
