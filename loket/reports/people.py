"""Satisfaction (CSAT score and response rate by agent, team, channel; the latest comments)
and the agent table (for coaching: sorted by name, not ranked)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loket.accounts.models import Role, Team, User
from loket.csat.models import Survey, SurveyStatus
from loket.reports.registry import Cell, Context, Result, register
from loket.reports.speed import first_response_by_assignee
from loket.reports.stats import median, percent, rounded
from loket.tickets.models import Channel, Event, EventKind, Message, MessageKind

CSAT_DEFINITION = gettext_lazy(
    "Surveys sent in the period on the tickets in scope. Score: satisfied ratings (good, or 4 "
    "and 5 of 5) divided by all ratings. Response rate: rated surveys divided by surveys sent. "
    "A rating belongs to the agent who solved the ticket and its team and channel then."
)


def surveys(ctx: Context) -> QuerySet[Survey]:
    f = ctx.filters
    return Survey.objects.filter(
        status=SurveyStatus.SENT,
        sent_at__gte=f.since,
        sent_at__lt=f.until,
        ticket_id__in=ctx.tickets,
    )


def _csat(ctx: Context, group: str, names: dict[Any, str], label: str) -> Result:
    rows_qs = (
        surveys(ctx)
        .values(group)
        .annotate(
            sent=Count("pk"),
            rated=Count("pk", filter=Q(score__isnull=False)),
            satisfied=Count("pk", filter=Q(satisfied=True)),
        )
        .order_by()
    )
    rows: list[list[Cell]] = []
    for r in rows_qs:
        name = names.get(r[group], "—") if r[group] is not None else "—"
        rows.append(
            [name, r["sent"], r["rated"], r["satisfied"],
             percent(r["satisfied"], r["rated"]), percent(r["rated"], r["sent"])]
        )  # fmt: skip
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


@register(
    "comments",
    gettext_lazy("Latest comments"),
    gettext_lazy("The 20 newest survey comments on surveys sent in the period, newest first."),
    gettext_lazy("Satisfaction"),
)
def comments(ctx: Context) -> Result:
    rows: list[list[Cell]] = []
    latest = (
        surveys(ctx)
        .exclude(comment="")
        .select_related("agent")
        .order_by("-commented_at", "-pk")[:20]
    )
    for s in latest:
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
        "(calendar hours) of tickets created in the period and assigned to them, CSAT score of "
        "the surveys sent in the period on tickets they solved, and escalations they wrote. "
        "For coaching: sorted by name, not ranked."
    ),
    gettext_lazy("Agents"),
)
def agents(ctx: Context) -> Result:
    f = ctx.filters
    in_period = {"created_at__gte": f.since, "created_at__lt": f.until}
    solved = dict(
        ctx.tickets.filter(resolved_at__gte=f.since, resolved_at__lt=f.until)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
        .order_by()
    )
    replies = dict(
        Message.objects.filter(kind=MessageKind.REPLY, ticket_id__in=ctx.tickets, **in_period)
        .values("author_id")
        .annotate(n=Count("pk"))
        .values_list("author_id", "n")
        .order_by()
    )
    escalations = dict(
        Event.objects.filter(kind=EventKind.ESCALATED, ticket_id__in=ctx.tickets, **in_period)
        .values("actor_id")
        .annotate(n=Count("pk"))
        .values_list("actor_id", "n")
        .order_by()
    )
    csat = {
        r["agent"]: (r["satisfied"], r["rated"])
        for r in surveys(ctx)
        .values("agent")
        .annotate(
            rated=Count("pk", filter=Q(score__isnull=False)),
            satisfied=Count("pk", filter=Q(satisfied=True)),
        )
        .order_by()
    }
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
             rounded(median(first.get(person.pk, []))), percent(sat, rated),
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
