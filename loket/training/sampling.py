"""The weekly quality sample: a few real public replies of each agent, for the review form.

Drawn the same way for everyone who opens the page in a week (seeded by week and agent), so
two reviewers see the same sample and a reload does not reshuffle it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from loket.accounts.models import User
from loket.tickets.models import Message, MessageKind
from loket.training.models import Review

PER_AGENT = 3


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class AgentSample:
    agent: User
    messages: list[Message] = field(default_factory=list)
    reviewed: set[int] = field(default_factory=set)


def _order(seed: str, pk: int) -> str:
    return hashlib.sha256(f"{seed}:{pk}".encode()).hexdigest()


def weekly_sample(
    week: date, replies: QuerySet[Message], per_agent: int = PER_AGENT
) -> list[AgentSample]:
    """Up to ``per_agent`` public replies per agent written in the week starting ``week``,
    from ``replies`` (the reviewer's visible replies)."""
    start = timezone.make_aware(datetime.combine(week, time.min))
    end = start + timedelta(days=7)
    rows = list(
        replies.filter(
            kind=MessageKind.REPLY, author__isnull=False, created_at__gte=start, created_at__lt=end
        )
        .select_related("author", "ticket")
        .order_by("pk")
    )
    by_agent: dict[int, AgentSample] = {}
    for message in rows:
        assert message.author is not None
        by_agent.setdefault(message.author.pk, AgentSample(message.author)).messages.append(message)
    reviewed = set(
        Review.objects.filter(
            message__in=[m for s in by_agent.values() for m in s.messages]
        ).values_list("message_id", flat=True)
    )
    samples = []
    for agent_id, sample in sorted(by_agent.items(), key=lambda kv: kv[1].agent.name):
        seed = f"{week.isoformat()}:{agent_id}"
        sample.messages = sorted(sample.messages, key=lambda m: _order(seed, m.pk))[:per_agent]
        sample.reviewed = {m.pk for m in sample.messages if m.pk in reviewed}
        samples.append(sample)
    return samples
