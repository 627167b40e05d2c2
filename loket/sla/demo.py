"""SLA and rota settings for the demo desk (idempotent): call ``seed()`` after the demo data.

An office calendar (weekdays 08:00-18:00, Dutch holidays), a 24/7 calendar, a standard policy
and a 24/7 one for VIP customers, and a first-line rota (members on weekdays, the first
second-line agent on call outside those hours). Open tickets without SLA clocks get theirs
from their history.
"""

from __future__ import annotations

from datetime import time

from django.db import transaction

from loket.accounts.models import OrganisationTier, Team, Tier
from loket.sla.models import BusinessCalendar, Policy, Target
from loket.tickets.models import Priority

OFFICE = {
    "tz": "Europe/Amsterdam",
    "week": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "country": "NL",
}
TARGETS = {  # first response, next response, resolution (business minutes)
    "Standard": {
        Priority.LOW: (480, 960, 7200),
        Priority.NORMAL: (120, 480, 2880),
        Priority.HIGH: (60, 240, 960),
        Priority.URGENT: (30, 60, 480),
    },
    "VIP": {
        Priority.LOW: (240, 480, 2880),
        Priority.NORMAL: (60, 240, 1440),
        Priority.HIGH: (30, 120, 480),
        Priority.URGENT: (15, 30, 240),
    },
}


@transaction.atomic
def seed() -> int:
    """Returns how many tickets got SLA clocks."""
    from loket.rota.models import Role, Shift, TeamRota
    from loket.sla.management.commands.sla import _rebuild

    office, _ = BusinessCalendar.objects.get_or_create(
        name="Office hours", defaults={"spec": OFFICE}
    )
    always, _ = BusinessCalendar.objects.get_or_create(
        name="24/7", defaults={"spec": {"tz": "Europe/Amsterdam", "24/7": True}}
    )
    standard, first_time = Policy.objects.get_or_create(
        name="Standard", defaults={"calendar": office}
    )
    vip, _ = Policy.objects.get_or_create(
        name="VIP", defaults={"calendar": always, "organisation_tier": OrganisationTier.VIP}
    )
    for policy in (standard, vip):
        for priority, (first, nxt, resolution) in TARGETS[policy.name].items():
            Target.objects.get_or_create(
                policy=policy,
                priority=priority,
                defaults={
                    "first_response_minutes": first,
                    "next_response_minutes": nxt,
                    "resolution_minutes": resolution,
                },
            )
    first_line = (
        Team.objects.filter(tier=Tier.FIRST_LINE).order_by("-is_default_for_tier", "pk").first()
    )
    second_line = (
        Team.objects.filter(tier=Tier.SECOND_LINE).order_by("-is_default_for_tier", "pk").first()
    )
    if first_line is not None:
        TeamRota.objects.get_or_create(team=first_line, defaults={"calendar": office})
        if not Shift.objects.filter(team=first_line).exists():
            for agent in first_line.members.filter(is_active=True):
                for day in range(5):
                    Shift.objects.create(
                        team=first_line, agent=agent, weekday=day, start=time(8), end=time(18)
                    )
            on_call = second_line.members.filter(is_active=True).first() if second_line else None
            if on_call is not None:
                nights = [(day, time(18), time(8)) for day in range(7)]
                weekend_days = [(day, time(8), time(18)) for day in (5, 6)]
                for day, start, end in nights + weekend_days:
                    Shift.objects.create(
                        team=first_line,
                        agent=on_call,
                        role=Role.ON_CALL,
                        weekday=day,
                        start=start,
                        end=end,
                    )
    # The first time, tickets made before the policies existed get clocks under them too.
    return _rebuild(every=first_time)
