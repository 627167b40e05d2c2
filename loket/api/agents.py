"""``/api/agents``: agents' public faces (they sign their replies); e-mail and teams are for
staff only."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from loket.accounts.access import agents_visible_to
from loket.accounts.models import Role, Team, User
from loket.api.auth import current_user
from loket.api.errors import ERRORS
from loket.api.params import CursorText, Limit, id_page, reject_unknown_params
from loket.api.schemas import Id, TeamRef, team_ref

router = Router(tags=["agents"])


class AgentOut(Schema):
    id: int
    name: str
    initials: str
    role: Role
    email: str | None = Field(description="Agents only; null for customers.")
    teams: list[TeamRef] = Field(description="Agents only; empty for customers.")


class AgentPage(Schema):
    items: list[AgentOut]
    next_cursor: str | None


class AgentFilters(Schema):
    cursor: CursorText | None = None
    limit: Limit = 50


def agent_out(agent: User, viewer: User) -> AgentOut:
    staff = viewer.is_agent
    teams = [r for r in (team_ref(t) for t in agent.teams.all()) if r is not None]
    return AgentOut(
        id=agent.pk,
        name=agent.name,
        initials=agent.initials,
        role=Role(agent.role),
        email=agent.email if staff else None,
        teams=teams if staff else [],
    )


@router.get("/agents", response={200: AgentPage, **ERRORS})
def list_agents(request: HttpRequest, filters: Query[AgentFilters]) -> AgentPage:
    reject_unknown_params(request, AgentFilters.model_fields)
    user = current_user(request)
    qs = agents_visible_to(user).prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("tier", "name"))
    )
    rows, next_cursor = id_page(qs, filters.cursor, filters.limit)
    return AgentPage(items=[agent_out(a, user) for a in rows], next_cursor=next_cursor)


@router.get("/agents/{id}", response={200: AgentOut, **ERRORS})
def get_agent(request: HttpRequest, id: Id) -> AgentOut:
    user = current_user(request)
    agent = agents_visible_to(user).filter(pk=id).first()
    if agent is None:
        raise Http404
    return agent_out(agent, user)
