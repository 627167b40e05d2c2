"""What a report is about: a period in the desk's time zone and the tickets in scope.

The scope always starts from ``tickets_visible_to`` (the one access check): a manager sees the
figures of every ticket they may see, an agent only their own (tickets assigned to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Organisation, OrganisationTier, Team, Tier, User
from loket.rules.models import OrganisationKind
from loket.tickets.access import tickets_visible_to
from loket.tickets.models import Channel, Ticket

MAX_DAYS = 3660  # ten years and a bit
DEFAULT_DAYS = 30
PARAMS = (
    "from", "to", "team", "tier", "channel", "organisation", "organisation_kind", "kind", "agent",
)  # fmt: skip


class FilterError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    team: int | None = None
    tier: int | None = None
    channel: str | None = None
    organisation: int | None = None
    agent: int | None = None
    organisation_kind: str | None = None  # the organisation's customer tier
    kind: str | None = None  # the organisation's kind (partner, site owner: the "two fronts")
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        """Local midnight at the start of the first day (aware, so DST days are 23 or 25 h)."""
        return datetime.combine(self.start, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def until(self) -> datetime:
        """Local midnight after the last day (exclusive)."""
        nxt = self.end + timedelta(days=1)
        return datetime.combine(nxt, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def granularity(self) -> str:
        if self.days <= 92:
            return "day"
        return "week" if self.days <= 731 else "month"

    def as_params(self) -> dict[str, str]:
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for name in (
            "team", "tier", "channel", "organisation", "organisation_kind", "kind", "agent",
        ):  # fmt: skip
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        return out


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise FilterError(_("Not a number."), name) from None


def _date(params: Mapping[str, str], name: str, default: date) -> date:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(_("Not a date (YYYY-MM-DD)."), name) from None


def parse(params: Mapping[str, str], *, today: date | None = None) -> Filters:
    """Reads the filters; raises ``FilterError`` naming the field on bad input."""
    today = today or timezone.localdate()
    end = _date(params, "to", today)
    start = _date(params, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise FilterError(_("The start date is after the end date."), "from")
    if (end - start).days + 1 > MAX_DAYS:
        raise FilterError(_("A report covers at most ten years."), "from")
    channel = (params.get("channel") or "").strip() or None
    if channel is not None and channel not in Channel.values:
        raise FilterError(_("No such channel."), "channel")
    kind = (params.get("organisation_kind") or "").strip() or None
    if kind is not None and kind not in OrganisationTier.values:
        raise FilterError(_("No such kind of organisation."), "organisation_kind")
    org_kind = (params.get("kind") or "").strip() or None
    if org_kind is not None and not OrganisationKind.objects.filter(key=org_kind).exists():
        raise FilterError(_("No such kind of organisation."), "kind")
    tier = _int(params, "tier")
    if tier is not None and tier not in Tier.values:
        raise FilterError(_("No such tier."), "tier")
    return Filters(
        start=start,
        end=end,
        team=_int(params, "team"),
        tier=tier,
        channel=channel,
        organisation=_int(params, "organisation"),
        agent=_int(params, "agent"),
        organisation_kind=kind,
        kind=org_kind,
    )


def parse_lenient(params: Mapping[str, str]) -> Filters:
    """For the desk page: bad input is reported next to its field and left out."""
    clean = {k: v for k, v in params.items() if k in PARAMS}
    errors: dict[str, str] = {}
    for _attempt in range(len(PARAMS) + 1):
        try:
            found = parse(clean)
        except FilterError as exc:
            errors[exc.field] = exc.message
            clean.pop(exc.field, None)
            if exc.field == "from":
                clean.pop("to", None)
            continue
        return Filters(**{**found.__dict__, "errors": errors})
    return Filters(**{**parse({}).__dict__, "errors": errors})


def is_manager_view(user: User) -> bool:
    return user.is_manager


def scope(user: User, filters: Filters) -> QuerySet[Ticket]:
    """The tickets a report may count: visible to ``user``, narrowed by the filters."""
    qs = tickets_visible_to(user)
    if not is_manager_view(user):
        qs = qs.filter(assignee=user)
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.tier is not None:
        qs = qs.filter(tier=filters.tier)
    if filters.channel is not None:
        qs = qs.filter(channel=filters.channel)
    if filters.organisation is not None:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.organisation_kind is not None:
        qs = qs.filter(organisation__tier=filters.organisation_kind)
    if filters.kind is not None:
        qs = qs.filter(organisation__kind_membership__kind__key=filters.kind)
    if filters.agent is not None:
        qs = qs.filter(assignee_id=filters.agent)
    return qs


def choices(user: User) -> dict[str, list[tuple[str, str]]]:
    """The options of the filter form."""
    agents: list[tuple[str, str]]
    if is_manager_view(user):
        agents = [
            (str(a.pk), a.name)
            for a in User.objects.filter(role__in=["agent", "manager", "admin"]).order_by(
                "display_name", "email"
            )
        ]
    else:
        agents = [(str(user.pk), user.name)]
    return {
        "team": [(str(t.pk), t.name) for t in Team.objects.order_by("tier", "name")],
        "tier": [(str(v), str(label)) for v, label in Tier.choices],
        "channel": [(str(v), str(label)) for v, label in Channel.choices],
        "organisation": [
            (str(o.pk), o.name) for o in Organisation.objects.order_by("name").only("pk", "name")
        ],
        "organisation_kind": [(str(v), str(label)) for v, label in OrganisationTier.choices],
        "kind": [(k.key, str(k)) for k in OrganisationKind.objects.all()],
        "agent": agents,
    }
