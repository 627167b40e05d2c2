"""Everyone's own profile; agents also manage their personal API tokens here. Managers see
which staff have two-factor authentication."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from loket.accounts import actions
from loket.accounts.forms import ProfileForm, TokenForm
from loket.accounts.lockout import locked_out_page
from loket.accounts.mfa import SECOND_FACTORS
from loket.accounts.models import STAFF_ROLES, ApiToken, Role, User


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
            "has_2fa": Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists(),
            "requires_2fa": user.role in settings.MFA_REQUIRED_ROLES,
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
        _token, raw = actions.issue_token(
            user,
            form.cleaned_data["name"],
            by=user,
            expires_at=form.expires_at(),
            read_only=form.cleaned_data["read_only"],
        )
        # Shown once, on the next page, then gone: only its hash is stored.
        request.session["new_api_token"] = raw
    else:
        messages.error(request, _("The token was not created: give it a name."))
    return redirect("profile")


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    user = _me(request)
    token = get_object_or_404(ApiToken, user=user, pk=pk)
    actions.revoke_token(token, by=user)
    messages.success(request, _("The token was revoked."))
    return redirect("profile")


def locked_out(request: HttpRequest) -> HttpResponse:
    """Where a boosted sign-in form is sent while its account is locked for this address."""
    return locked_out_page(request)


@login_required
def staff_security(request: HttpRequest) -> HttpResponse:
    """Managers and admins: who of the staff has a second factor, and who must have one."""
    if not _me(request).is_manager:
        raise PermissionDenied
    staff = (
        User.objects.filter(role__in=STAFF_ROLES, is_active=True)
        .annotate(
            second_factors=Count(
                "authenticator", filter=Q(authenticator__type__in=SECOND_FACTORS), distinct=True
            ),
            live_tokens=Count(
                "api_tokens",
                filter=Q(api_tokens__expires_at__isnull=True)
                | Q(api_tokens__expires_at__gt=timezone.now()),
                distinct=True,
            ),
        )
        .order_by("role", "display_name", "email")
    )
    required = settings.MFA_REQUIRED_ROLES
    rows = [
        {"person": p, "has_2fa": p.second_factors > 0, "required": p.role in required}
        for p in staff
    ]
    return render(
        request,
        "accounts/staff_security.html",
        {
            "rows": rows,
            "required_roles": [label for value, label in Role.choices if value in required],
            "missing": sum(1 for r in rows if r["required"] and not r["has_2fa"]),
        },
    )


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which only sets a cookie, would lose to a signed-in person's
    saved language (UserLanguageMiddleware); so the choice is saved on them too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in {code for code, _n in settings.LANGUAGES}:
        actions.choose_language(_me(request), language)
    return response
