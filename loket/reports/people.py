"""Satisfaction (CSAT score and response rate by agent, team, channel; the latest comments)
and the agent table (for coaching: sorted by name, not ranked)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Role, Team, User
from loket.csat.models import Survey, SurveyStatus
from loket.reports import read
from loket.reports.facts import M
from loket.reports.registry import Cell, Context, Result, register
from loket.reports.speed import first_response_by_assignee
from loket.reports.stats import percent, rounded
from loket.tickets.models import Channel

CSAT_DEFINITION = gettext_lazy(
    "Surveys sent in the period. Score: satisfied ratings (good, or 4 and 5 of 5) divided by "
    "all ratings. Response rate: rated surveys divided by surveys sent. A rating belongs to "
    "the agent who solved the ticket and its team, channel, organisation and tier then: the "
    "filters and your scope apply to those."
)


COLUMN = {"team": "team_id", "agent": "agent_id", "channel": "channel"}


def csat_counts(ctx: Context, group: str) -> dict[Any, tuple[int, int, int]]:
    """Per value of ``group``: surveys sent, rated, satisfied."""
    out: dict[Any, list[int]] = {}
    for i, metric in enumerate((M.CSAT_SENT, M.CSAT_RATED, M.CSAT_SATISFIED)):
        for (value,), n in read.sums(ctx, metric, [COLUMN[group]]).items():
            out.setdefault(value, [0, 0, 0])[i] += n
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def _csat(ctx: Context, group: str, names: dict[Any, str], label: str) -> Result:
    rows: list[list[Cell]] = []
    for value, (sent, rated, satisfied) in csat_counts(ctx, group).items():
        name = names.get(value, "—") if value is not None else "—"
        rows.append([name, sent, rated, satisfied, percent(satisfied, rated), percent(rated, sent)])
    rows.sort(key=lambda row: str(row[0]).lower())
    sent = sum(int(r[1] or 0) for r in rows)
    rated = sum(int(r[2] or 0) for r in rows)
    satisfied = sum(int(r[3] or 0) for r in rows)
    return Result(
        [group, "sent", "rated", "satisfied", "score_percent", "response_rate_percent"],
        [label, _("Sent"), _("Rated"), _("Satisfied"), _("CSAT score (%)"),
         _("Response rate (%)")],
        rows,
        chart="bars",
        series=[4, 5],
        headline={
            "value": percent(satisfied, rated),
            "unit": "%",
            "label": _("CSAT score"),
            "response_rate": percent(rated, sent),
        },
    )  # fmt: skip


@register(
    "csat_team", gettext_lazy("Satisfaction by team"), CSAT_DEFINITION, gettext_lazy("Satisfaction")
)
def csat_team(ctx: Context) -> Result:
    names = dict(Team.objects.values_list("pk", "name"))
    return _csat(ctx, "team", names, _("Team"))


@register(
    "csat_agent",
    gettext_lazy("Satisfaction by agent"),
    CSAT_DEFINITION,
    gettext_lazy("Satisfaction"),
)
def csat_agent(ctx: Context) -> Result:
    names = {u.pk: u.name for u in User.objects.exclude(role=Role.CUSTOMER)}
    return _csat(ctx, "agent", names, _("Agent"))


@register(
    "csat_channel",
    gettext_lazy("Satisfaction by channel"),
    CSAT_DEFINITION,
    gettext_lazy("Satisfaction"),
)
def csat_channel(ctx: Context) -> Result:
    names = {c.value: str(c.label) for c in Channel}
    return _csat(ctx, "channel", names, _("Channel"))


def latest_comments(ctx: Context, limit: int = 20) -> list[Survey]:
    """The newest commented surveys of the period on tickets in scope, newest first.

    Read newest first in steps, each step's tickets checked against the scope in one query:
    the scope as a subquery would make the database look at every ticket in scope (but for
    a report narrowed by organisation, whose scope is small)."""
    f = ctx.filters
    candidates = (
        Survey.objects.filter(status=SurveyStatus.SENT, sent_at__gte=f.since, sent_at__lt=f.until)
        .exclude(comment="")
        .order_by("-commented_at", "-pk")
        .values_list("pk", "ticket_id")
    )
    keep: list[int] = []
    if read.by_organisation(f):
        # Narrowed by organisation: few tickets in scope (through the organisation's index),
        # and the newest comments among them in one statement; stepping through the whole
        # desk's comments would read nearly all of them to find the organisation's few.
        in_scope = candidates.filter(ticket_id__in=ctx.tickets.values("pk"))[:limit]
        keep = [pk for pk, _ticket in in_scope]
    else:
        step = limit * 5
        for start in range(0, 10**9, step):
            found = list(candidates[start : start + step])
            tickets = [ticket for _pk, ticket in found]
            visible = set(ctx.tickets.filter(pk__in=tickets).values_list("pk", flat=True))
            keep += [pk for pk, ticket in found if ticket in visible]
            if len(keep) >= limit or len(found) < step:
                break
    by_pk = Survey.objects.select_related("agent").in_bulk(keep[:limit])
    return [by_pk[pk] for pk in keep[:limit]]


@register(
    "comments",
    gettext_lazy("Latest comments"),
    gettext_lazy("The 20 newest survey comments on surveys sent in the period, newest first."),
    gettext_lazy("Satisfaction"),
)
def comments(ctx: Context) -> Result:
    rows: list[list[Cell]] = []
    for s in latest_comments(ctx):
        rows.append(
            [s.ticket_id, s.score_label(), s.comment[:500], s.agent.name if s.agent else "—",
             s.commented_at.isoformat() if s.commented_at else None]
        )  # fmt: skip
    return Result(
        ["ticket", "rating", "comment", "agent", "commented_at"],
        [_("Ticket"), _("Rating"), _("Comment"), _("Agent"), _("When")],
        rows,
        chart="",
    )


@register(
    "agents",
    gettext_lazy("Agents"),
    gettext_lazy(
        "Per agent, on the tickets in scope: tickets solved (latest resolution in the period, "
        "assigned to them), public replies written in the period, median first response time "
        "(calendar hours, within 0.5%) of tickets created in the period and assigned to them, "
        "CSAT score of the surveys sent in the period on tickets they solved, and escalations "
        "they wrote. "
        "For coaching: sorted by name, not ranked."
    ),
    gettext_lazy("Agents"),
)
def agents(ctx: Context) -> Result:
    solved = {agent: n for (agent,), n in read.sums(ctx, M.RESOLVED, ["agent_id"]).items()}
    replies = {author: n for (author,), n in read.sums(ctx, M.REPLY_BY, ["bucket"]).items()}
    escalations = {actor: n for (actor,), n in read.sums(ctx, M.ESCALATED_BY, ["bucket"]).items()}
    csat = {agent: (c[2], c[1]) for agent, c in csat_counts(ctx, "agent").items()}
    first = first_response_by_assignee(ctx)
    ids = {i for i in [*solved, *replies, *escalations, *csat, *first] if i is not None}
    people = User.objects.filter(pk__in=ids).exclude(role=Role.CUSTOMER)
    if not ctx.user.is_manager:
        people = people.filter(pk=ctx.user.pk)
    rows: list[list[Cell]] = []
    for person in sorted(people, key=lambda p: (p.name.lower(), p.pk)):
        sat, rated = csat.get(person.pk, (0, 0))
        rows.append(
            [person.name, solved.get(person.pk, 0), replies.get(person.pk, 0),
             rounded(first.get(person.pk)), percent(sat, rated),
             escalations.get(person.pk, 0)]
        )  # fmt: skip
    return Result(
        ["agent", "solved", "replies", "median_first_response_hours", "csat_percent",
         "escalations"],
        [_("Agent"), _("Solved"), _("Public replies"), _("Median first response (hours)"),
         _("CSAT score (%)"), _("Escalations")],
        rows,
        chart="",
    )  # fmt: skip
