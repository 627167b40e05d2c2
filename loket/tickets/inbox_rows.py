"""The inbox's rows, prepared in one pass: every label, link and age as a plain value.

The inbox is the most-seen page. Rendering a row through an included template with template
tags (an SLA badge, an approval pill, translated texts, two ages) cost about a millisecond a
row; here each row is a dict of ready strings, labels are translated once per page and the
apps that mark rows (SLA clocks, approvals) do so for the whole page at once through
``add_marks`` (the tickets app knows nothing of them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.translation import gettext as _

from loket.tickets.models import Channel, Priority, State, Ticket

# Given a page of tickets, HTML to show after each one's subject ({ticket id: html}).
Marks = Callable[[Sequence[Ticket], datetime], dict[int, SafeString]]
_MARKS: list[Marks] = []


def add_marks(marks: Marks) -> None:
    """For apps that put something on inbox rows (``loket.sla``: the most urgent clock;
    ``loket.rules``: waiting for approval); called once per page, not once per row."""
    if marks not in _MARKS:
        _MARKS.append(marks)


class _Unit:
    """One of ``timesince``'s unit texts, translated once per count (a page of ages asks
    for the same few counts again and again)."""

    def __init__(self, text: Any) -> None:
        self.text = text
        self.done: dict[int, str] = {}

    def __mod__(self, values: dict[str, int]) -> str:
        num = values["num"]
        if num not in self.done:
            self.done[num] = str(self.text % values)
        return self.done[num]


def _ages() -> Callable[[datetime, datetime], str]:
    """``timesince`` with its unit texts translated once per page."""
    units = {name: _Unit(text) for name, text in TIME_STRINGS.items()}
    return lambda d, now: timesince(d, now, time_strings=units)  # type: ignore[arg-type]


def _ticket_href() -> tuple[str, str]:
    sentinel = 987654321
    head, tail = reverse("desk:ticket", args=[sentinel]).split(str(sentinel))
    return head, tail


_ROW = (
    '<tr data-href="{href}" data-ticket="{pk}">'
    '<td class="muted"><input type="checkbox" name="ids" value="{pk}" form="bulk-form" '
    'class="pick" aria-label="{select}"> {pk}</td>'
    '<td><a href="{href}">{subject}</a>{waiting} {marks}</td>'
    "<td>{customer}{organisation}</td>"
    '<td class="small"><span class="pill channel-{channel}">{channel_label}</span></td>'
    '<td><span class="pill state-{state}">{state_label}</span></td>'
    '<td><span class="pill prio-{priority}">{priority_label}</span></td>'
    '<td>{assignee}<br><span class="small muted">{team}</span></td>'
    '<td class="small muted" title="{updated}">{updated_ago}</td></tr>\n'
)


def render(tickets: Sequence[Ticket]) -> SafeString:
    """The rows' HTML (``<tr>`` each). Made here rather than in a template: a template
    resolves, localises and escapes each of a row's fifteen values on its own, which cost
    more than the rest of the page; here each text is escaped once, in one format string."""
    now = timezone.now()
    state_labels = {value: escape(str(label)) for value, label in State.choices}
    priority_labels = {value: escape(str(label)) for value, label in Priority.choices}
    channel_labels = {value: escape(str(label)) for value, label in Channel.choices}
    head, tail = _ticket_href()
    waiting = _("waiting %(age)s")
    select = _("Select ticket %(pk)s")
    dash = "—"
    age_of = _ages()
    marks: list[dict[int, SafeString]] = [m(tickets, now) for m in _MARKS]
    team_labels: dict[int, str] = {}
    names: dict[int, str] = {}
    organisations: dict[int, str] = {}
    out = []
    for t in tickets:
        pk = t.pk
        if t.team_id not in team_labels:
            team_labels[t.team_id] = escape(t.team.label)
        customer = dash
        if t.customer_id is not None:
            if t.customer_id not in names:
                names[t.customer_id] = escape(t.customer.name) if t.customer else dash
            customer = names[t.customer_id] or dash
        organisation = ""
        if t.organisation_id is not None and t.organisation is not None:
            if t.organisation_id not in organisations:
                organisations[t.organisation_id] = escape(t.organisation.name)
            if organisations[t.organisation_id]:
                organisation = (
                    f'<br><span class="small muted">{organisations[t.organisation_id]}</span>'
                )
        assignee = dash
        if t.assignee_id is not None:
            if t.assignee_id not in names:
                names[t.assignee_id] = escape(t.assignee.name) if t.assignee else dash
            assignee = names[t.assignee_id] or dash
        awaiting = t.awaiting_reply_since
        waiting_html = ""
        if awaiting is not None:
            age = escape(waiting % {"age": age_of(awaiting, now)})
            waiting_html = f'<br><span class="small waiting">{age}</span>'
        row_marks = " ".join(m[pk] for m in marks if pk in m)
        out.append(
            _ROW.format(
                href=f"{head}{pk}{tail}",
                pk=pk,
                select=escape(select % {"pk": pk}),
                subject=escape(t.subject),
                waiting=waiting_html,
                marks=row_marks,
                customer=customer,
                organisation=organisation,
                channel=escape(t.channel),
                channel_label=channel_labels.get(t.channel, escape(t.channel)),
                state=escape(t.state),
                state_label=state_labels.get(t.state, escape(t.state)),
                priority=t.priority,
                priority_label=priority_labels.get(t.priority, ""),
                assignee=assignee,
                team=team_labels[t.team_id],
                updated=f"{timezone.localtime(t.updated_at):%Y-%m-%d %H:%M}",
                updated_ago=escape(age_of(t.updated_at, now)),
            )
        )
    return mark_safe("".join(out))
