"""Everyone's own profile; agents also manage their personal API tokens here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.forms import ProfileForm, TokenForm
from loket.accounts.models import ApiToken, User


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    new_token = request.session.pop("new_api_token", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "token_form": TokenForm(),
            "tokens": user.api_tokens.order_by("-created_at") if user.is_agent else [],
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    if not user.is_agent:
        raise Http404
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = ApiToken.issue(user, form.cleaned_data["name"])
        # Shown once, on the next page, then gone: only its hash is stored.
        request.session["new_api_token"] = raw
    return redirect("profile")


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    deleted, _rows = ApiToken.objects.filter(user=_me(request), pk=pk).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("The token was revoked."))
    return redirect("profile")
