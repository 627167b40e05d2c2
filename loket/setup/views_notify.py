"""The desk's notification defaults: what reaches agents which way, and their quiet hours,
until they choose for themselves on their own notification settings page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from loket.accounts.decorators import signed_in_agent
from loket.accounts.models import STAFF_ROLES, User
from loket.setup import actions_notify
from loket.setup.guard import section_required
from loket.setup.sections import NOTIFY_DEFAULTS
from loket.sla.forms import NotifySettingsForm
from loket.sla.models import NotificationKind, NotifyChannel, NotifyDefaults, NotifySettings


class NotifyDefaultsForm(NotifySettingsForm):
    """The agent's form without what only an agent can give (their Telegram chat)."""

    telegram_chat_id = None  # type: ignore[assignment]


@section_required(NOTIFY_DEFAULTS)
def notify_defaults(request: HttpRequest) -> HttpResponse:
    defaults = NotifyDefaults.current()
    probe = defaults.for_agent(User())
    initial: dict[str, object] = {
        channel: [k for k in NotificationKind.values if probe.wants(k, channel)]
        for channel in NotifyChannel.values
    }
    initial.update(quiet_from=defaults.quiet_from, quiet_until=defaults.quiet_until,
                   tz=defaults.tz)  # fmt: skip
    form = NotifyDefaultsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions_notify.save_notify_defaults(
                by=signed_in_agent(request),
                channel_kinds={c: list(data[c]) for c in NotifyChannel.values},
                quiet_from=data["quiet_from"],
                quiet_until=data["quiet_until"],
                tz=data["tz"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Notification defaults saved."))
            return redirect("setup:notify_defaults")
    chosen = {channel: set(form[channel].value() or []) for channel in NotifyChannel.values}
    rows = [
        (kind, label, [(channel, kind in chosen[channel]) for channel in NotifyChannel.values])
        for kind, label in NotificationKind.choices
    ]
    staff = User.objects.filter(role__in=STAFF_ROLES, is_active=True)
    own = NotifySettings.objects.filter(agent__in=staff).count()
    return render(
        request,
        "setup/notify_defaults.html",
        {"form": form, "rows": rows, "channels": NotifyChannel.choices,
         "section": NOTIFY_DEFAULTS, "following": staff.count() - own, "own": own},
    )  # fmt: skip
