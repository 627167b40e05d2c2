"""The desk's reports page, and each figure's CSV export.

Managers see the figures of every ticket they may see (``tickets_visible_to``); an agent sees
their own (tickets assigned to them).
"""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode

from loket.accounts.decorators import agent_required, signed_in_agent
from loket.accounts.models import User
from loket.reports import charts, markup, registry
from loket.reports.filters import FilterError, Filters, choices, parse, parse_lenient, scope


def context_for(user: User, filters: Filters) -> registry.Context:
    if not user.is_manager:
        filters = Filters(**{**filters.__dict__, "agent": None})
    return registry.Context(user=user, filters=filters, tickets=scope(user, filters))


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    filters = parse_lenient(request.GET)
    ctx = context_for(user, filters)
    query = urlencode(filters.as_params())
    sections: dict[str, list[dict[str, Any]]] = {}
    for figure in registry.all_figures():
        result = figure.compute(ctx)
        chart = charts.draw(result)
        sections.setdefault(str(figure.section), []).append(
            {
                "figure": figure,
                "result": result,
                "chart": chart,
                "shapes": markup.shapes(chart) if chart is not None else "",
                "rows": markup.table_rows(result.rows),
                "csv": f"{figure.key}.csv?{query}",
            }
        )
    options = {
        name: markup.options(values, getattr(filters, name))
        for name, values in choices(user).items()
    }
    return render(
        request,
        "reports/index.html",
        {
            "filters": filters,
            "options": options,
            "sections": sections,
            "own_figures": not user.is_manager,
        },
    )


@agent_required
def export_csv(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in_agent(request)
    figure = registry.get(key)
    if figure is None:
        raise Http404
    try:
        filters = parse(request.GET)
    except FilterError as exc:
        return HttpResponseBadRequest(f"{exc.field}: {exc.message}", content_type="text/plain")
    result = figure.compute(context_for(user, filters))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"loket-{key}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(result.labels)
    for row in result.rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    return response


def _safe(cell: object) -> object:
    """No spreadsheet formulas from data (a comment starting with "=")."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell
