"""``/api/organisations``: agents see all, a customer only their own; managers and admins
create and change them (each change is written to the audit log)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from loket.accounts.access import get_organisation_for, organisations_visible_to
from loket.accounts.actions import set_auto_join
from loket.accounts.models import AuditEntry, Organisation, OrganisationTier, User
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError
from loket.api.params import CursorText, Limit, id_page, reject_unknown_params
from loket.api.schemas import Id, SafeText

router = Router(tags=["organisations"])

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domains(value: str) -> str:
    """``"Acme.test, acme.nl"`` → ``"acme.test,acme.nl"``; anything else is refused."""
    names = [d.strip().lower() for d in value.split(",") if d.strip()]
    for name in names:
        if not _DOMAIN.match(name):
            raise ValueError(_("Not a domain name: %(name)s") % {"name": name[:60]})
    return ",".join(dict.fromkeys(names))


Name = Annotated[str, Field(min_length=1, max_length=200), SafeText]
Domains = Annotated[str, Field(max_length=500), SafeText, AfterValidator(_domains)]
Notes = Annotated[str, Field(max_length=20_000), SafeText]


class OrganisationOut(Schema):
    id: int
    name: str
    tier: OrganisationTier | None = Field(description="Agents only; null for customers.")
    domains: list[str] | None = Field(description="Agents only; null for customers.")
    notes: str | None = Field(description="Agents only; null for customers.")
    auto_join: bool | None = Field(
        description="Agents only: people who verify an address at the domains join."
    )
    created_at: datetime


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class OrganisationIn(Schema):
    name: Name
    tier: OrganisationTier = OrganisationTier.STANDARD
    domains: Domains = ""
    notes: Notes = ""


class OrganisationPatch(Schema):
    name: Name | None = None
    tier: OrganisationTier | None = None
    domains: Domains | None = None
    notes: Notes | None = None
    auto_join: bool | None = None


class OrganisationFilters(Schema):
    tier: OrganisationTier | None = Field(None, description="Agents only.")
    cursor: CursorText | None = None
    limit: Limit = 50


def organisation_out(org: Organisation, viewer: User) -> OrganisationOut:
    staff = viewer.is_agent
    return OrganisationOut(
        id=org.pk,
        name=org.name,
        tier=OrganisationTier(org.tier) if staff else None,
        domains=[d for d in org.domains.split(",") if d] if staff else None,
        notes=org.notes if staff else None,
        auto_join=org.auto_join if staff else None,
        created_at=org.created_at,
    )


def _require_manager(user: User) -> None:
    if not user.is_manager:
        raise PermissionDenied(_("Only managers and admins may do this."))


def _name_taken(name: str, exclude: int | None = None) -> None:
    qs = Organisation.objects.filter(name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ApiError(409, "exists", _("An organisation with this name exists."), "name")


@router.get("/organisations", response={200: OrganisationPage, **ERRORS})
def list_organisations(
    request: HttpRequest, filters: Query[OrganisationFilters]
) -> OrganisationPage:
    reject_unknown_params(request, OrganisationFilters.model_fields)
    user = current_user(request)
    qs = organisations_visible_to(user)
    if filters.tier is not None:
        if not user.is_agent:
            raise ApiError(403, "forbidden", _("Only agents may filter by this."), "tier")
        qs = qs.filter(tier=filters.tier)
    rows, next_cursor = id_page(qs, filters.cursor, filters.limit)
    return OrganisationPage(
        items=[organisation_out(o, user) for o in rows], next_cursor=next_cursor
    )


@router.get("/organisations/{id}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request: HttpRequest, id: Id) -> OrganisationOut:
    user = current_user(request)
    return organisation_out(get_organisation_for(user, id), user)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[OrganisationOut]:
    """Managers and admins only."""
    user = current_user(request)
    _require_manager(user)
    name = " ".join(payload.name.split())
    _name_taken(name)
    with transaction.atomic():
        org = Organisation.objects.create(
            name=name, tier=payload.tier, domains=payload.domains, notes=payload.notes
        )
        AuditEntry.objects.create(
            actor=user,
            action="organisation_created",
            data={"organisation": org.pk, "name": name, "tier": str(payload.tier)},
        )
    return Status(201, organisation_out(org, user))


@router.patch("/organisations/{id}", response={200: OrganisationOut, **ERRORS})
def update_organisation(
    request: HttpRequest, id: Id, payload: OrganisationPatch
) -> OrganisationOut:
    """Managers and admins only. Fields left out stay as they are."""
    user = current_user(request)
    get_organisation_for(user, id)  # a 404 first for what the caller cannot see at all
    _require_manager(user)
    given = payload.model_fields_set
    for name in ("name", "tier", "domains", "notes", "auto_join"):
        if name in given and getattr(payload, name) is None:
            raise ApiError(422, "invalid", _("This field may not be null."), field=name)
    with transaction.atomic():
        org = get_organisation_for(user, id, write=True)
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        changes: dict[str, dict[str, str]] = {}
        new_values = {
            "name": " ".join(payload.name.split()) if payload.name is not None else None,
            "tier": str(payload.tier) if payload.tier is not None else None,
            "domains": payload.domains,
            "notes": payload.notes,
        }
        for field, value in new_values.items():
            if value is None or getattr(org, field) == value:
                continue
            if field == "name":
                _name_taken(value, exclude=org.pk)
            changes[field] = {"before": getattr(org, field), "after": value}
            setattr(org, field, value)
        if changes:
            org.save(update_fields=list(changes))
            AuditEntry.objects.create(
                actor=user,
                action="organisation_changed",
                data={"organisation": org.pk, "changes": changes},
            )
        if payload.auto_join is not None:
            set_auto_join(org, payload.auto_join, by=user)  # audited on its own
            org.refresh_from_db(fields=["auto_join"])
    return organisation_out(org, user)
