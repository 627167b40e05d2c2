"""``/api/customers``: agents list, read and create customers; a customer sees only themself
and the members of their own organisation (``loket.accounts.access``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from loket.accounts.access import customers_visible_to, get_customer_for, organisations_visible_to
from loket.accounts.actions import register_customer
from loket.accounts.models import User
from loket.api.auth import current_user
from loket.api.errors import ERRORS, ApiError
from loket.api.params import CursorText, Limit, id_page, reject_unknown_params
from loket.api.schemas import Id, OrganisationRef, SafeText, ShortText, organisation_ref

router = Router(tags=["customers"])


def _email(value: str) -> str:
    value = value.strip().lower()
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError(_("Enter a valid e-mail address.")) from None
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), SafeText, AfterValidator(_email)]
Language = Literal["", "en", "nl", "ru"]


class CustomerOut(Schema):
    id: int
    email: str
    name: str
    display_name: str
    organisation: OrganisationRef | None
    language: str
    phone: str | None = Field(description="Agents only; null for customers.")
    created_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerIn(Schema):
    email: Email
    display_name: Annotated[str, Field(max_length=150), SafeText] = ""
    organisation: Id | None = Field(
        None,
        description="Default: the organisation whose e-mail domain matches, if it lets its "
        "domain join (auto_join).",
    )
    language: Language = ""
    phone: Annotated[str, Field(max_length=40), SafeText] = ""


class CustomerFilters(Schema):
    organisation: Id | None = None
    q: ShortText | None = Field(None, description="Part of the name or e-mail address.")
    cursor: CursorText | None = None
    limit: Limit = 50


def customer_out(customer: User, viewer: User) -> CustomerOut:
    return CustomerOut(
        id=customer.pk,
        email=customer.email,
        name=customer.name,
        display_name=customer.display_name,
        organisation=organisation_ref(customer.organisation),
        language=customer.language,
        phone=customer.phone if viewer.is_agent else None,
        created_at=customer.date_joined,
    )


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> CustomerPage:
    reject_unknown_params(request, CustomerFilters.model_fields)
    user = current_user(request)
    qs = customers_visible_to(user).select_related("organisation")
    if filters.organisation is not None:
        qs = qs.filter(organisation_id=filters.organisation)
    if filters.q is not None and filters.q.strip():
        words = filters.q.strip()
        qs = qs.filter(Q(email__icontains=words) | Q(display_name__icontains=words))
    rows, next_cursor = id_page(qs, filters.cursor, filters.limit)
    return CustomerPage(items=[customer_out(c, user) for c in rows], next_cursor=next_cursor)


@router.get("/customers/{id}", response={200: CustomerOut, **ERRORS})
def get_customer(request: HttpRequest, id: Id) -> CustomerOut:
    user = current_user(request)
    customer = get_customer_for(user, id)
    return customer_out(User.objects.select_related("organisation").get(pk=customer.pk), user)


@router.post("/customers", response={201: CustomerOut, **ERRORS})
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[CustomerOut]:
    """Agents only. A customer whose e-mail address is already known is a 409."""
    user = current_user(request)
    if not user.is_agent:
        raise PermissionDenied(_("Only agents may do this."))
    if User.objects.filter(email__iexact=payload.email).exists():
        raise ApiError(409, "exists", _("Someone with this e-mail address exists."), "email")
    organisation = None
    if payload.organisation is not None:
        organisation = organisations_visible_to(user).filter(pk=payload.organisation).first()
        if organisation is None:
            raise ApiError(
                422, "unknown_reference", _("No such organisation."), field="organisation"
            )
    with transaction.atomic():
        customer = register_customer(
            payload.email, display_name=payload.display_name, language=payload.language
        )
        changed = []
        if organisation is not None and customer.organisation_id != organisation.pk:
            customer.organisation = organisation
            changed.append("organisation")
        if payload.phone:
            customer.phone = payload.phone
            changed.append("phone")
        if changed:
            customer.save(update_fields=changed)
    return Status(201, customer_out(customer, user))
