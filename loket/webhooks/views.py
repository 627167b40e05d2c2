"""The desk's webhook pages (admins only): the list, one webhook with its delivery log, and
the forms. Views are thin: every change goes through ``loket.webhooks.actions``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.decorators import admin_required, signed_in_agent
from loket.accounts.models import User
from loket.webhooks import actions
from loket.webhooks.forms import SubscriptionForm
from loket.webhooks.models import Attempt, Delivery, DeliveryState, Subscription

View = Callable[..., HttpResponse]


def get_subscription_for(user: User, pk: int) -> Subscription:
    """The one way a view fetches a webhook: admins only, 404 for anything else."""
    if not user.is_admin:
        raise Http404
    found = Subscription.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@admin_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    rows = Subscription.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        held=Count("deliveries", filter=Q(deliveries__state=DeliveryState.HELD)),
    ).order_by("name", "pk")
    return render(request, "webhooks/list.html", {"rows": rows})


def _save(request: HttpRequest, form: SubscriptionForm, act: Callable[[], Subscription]) -> Any:
    try:
        return act()
    except ValidationError as exc:
        form.add_error("url", exc)
    return None


def _form_page(request: HttpRequest, form: SubscriptionForm, title: str) -> HttpResponse:
    return render(request, "desk/form.html", {"form": form, "title": title})


@admin_required
def new(request: HttpRequest) -> HttpResponse:
    user = signed_in_agent(request)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = _save(
            request,
            form,
            lambda: actions.create(
                name=data["name"], url=data["url"], kinds=list(data["kinds"]), by=user
            ),
        )
        if made is not None:
            messages.success(request, _("Webhook saved. Its signing secret is shown below."))
            return redirect("webhooks:detail", pk=made.pk)
    return _form_page(request, form, _("New webhook"))


@admin_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_subscription_for(user, pk)
    initial = {"name": found.name, "url": found.url, "kinds": found.kinds}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _save(
            request,
            form,
            lambda: actions.update(
                found, name=data["name"], url=data["url"], kinds=list(data["kinds"]), by=user
            ),
        )
        if saved is not None:
            messages.success(request, _("Webhook saved."))
            return redirect("webhooks:detail", pk=found.pk)
    return _form_page(request, form, _("Edit webhook “%(name)s”") % {"name": found.name})


@admin_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_subscription_for(signed_in_agent(request), pk)
    log = Attempt.objects.filter(subscription=found).order_by("-id")[:50]
    counts = dict(
        Delivery.objects.filter(subscription=found)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return render(
        request,
        "webhooks/detail.html",
        {
            "hook": found,
            "log": log,
            "counts": [(label, counts.get(value, 0)) for value, label in DeliveryState.choices],
        },
    )


def _act(request: HttpRequest, pk: int, act: Callable[[Subscription, User], str]) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_subscription_for(user, pk)
    messages.success(request, act(found, user))
    return redirect("webhooks:detail", pk=found.pk)


@admin_required
@require_POST
def send_test(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_subscription_for(user, pk)
    attempt = actions.send_test(found, by=user)
    if attempt.ok:
        messages.success(
            request,
            _("Test event delivered: HTTP %(status)s in %(ms)s ms.")
            % {"status": attempt.status_code, "ms": attempt.duration_ms},
        )
    else:
        messages.error(request, _("Test event failed: %(error)s") % {"error": attempt.error})
    return redirect("webhooks:detail", pk=found.pk)


@admin_required
@require_POST
def switch_on(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: Subscription, user: User) -> str:
        n = actions.switch_on(found, by=user)
        return _("Webhook switched on; %(n)s held deliveries are sent again.") % {"n": n}

    return _act(request, pk, act)


@admin_required
@require_POST
def switch_off(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: Subscription, user: User) -> str:
        actions.switch_off(found, by=user)
        return _("Webhook switched off; new events are not sent to it.")

    return _act(request, pk, act)


@admin_required
@require_POST
def new_secret(request: HttpRequest, pk: int) -> HttpResponse:
    def act(found: Subscription, user: User) -> str:
        actions.new_secret(found, by=user)
        return _("A new signing secret was made; the old one is no longer used.")

    return _act(request, pk, act)


@admin_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_agent(request)
    found = get_subscription_for(user, pk)
    name = found.name
    actions.delete(found, by=user)
    messages.success(request, _("Webhook “%(name)s” deleted.") % {"name": name})
    return redirect("webhooks:list")
