"""People and rights: users (agents and customers), organisations, teams (tiers), API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.lib import bulk


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


STAFF_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})


class Tier(models.IntegerChoices):
    FIRST_LINE = 1, _("First line")
    SECOND_LINE = 2, _("Second line (technical)")
    MANAGEMENT = 3, _("Management")


class Formality(models.TextChoices):
    UNKNOWN = "", _("Not known")
    INFORMAL = "informal", _("Informal (je, du, tu)")
    FORMAL = "formal", _("Formal (u, Sie, vous)")


class OrganisationTier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    PARTNER = "partner", _("Partner")
    ADVERTISER = "advertiser", _("Advertiser")
    VIP = "vip", _("VIP")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    tier = models.CharField(
        _("customer tier"),
        max_length=20,
        choices=OrganisationTier.choices,
        default=OrganisationTier.STANDARD,
    )
    domains = models.CharField(
        _("e-mail domains"),
        max_length=500,
        blank=True,
        help_text=_(
            "Comma-separated. New customers from these domains join this organisation only "
            "when joining by domain is switched on."
        ),
    )
    auto_join = models.BooleanField(
        _("join by e-mail domain"),
        default=False,
        help_text=_(
            "On: people who prove an address at one of the domains (and mail from an unknown "
            "address there) join this organisation. Off: only invited people join."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def with_addresses(self, addresses: Iterable[str]) -> models.QuerySet[User]:
        """The people with these e-mail addresses, in any case (the ``user_email_folded``
        index answers it, where ``email__iexact`` reads every person on SQLite)."""
        return (
            self.get_queryset()
            .annotate(folded=Lower("email"))
            .filter(folded__in=[a.lower() for a in addresses])
        )

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
            user.save(using=self._db)
            return user
        # Most people here are customers who wrote in and never sign in with a password
        # (a bulk import makes thousands): no password to announce (``password_changed``),
        # so the row is written with an INSERT compiled once (``loket.lib.bulk.create``).
        user.set_unusable_password()
        return bulk.create(user)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One table for agents and customers; ``role`` says which."""

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_organisation_admin = models.BooleanField(
        _("organisation admin"),
        default=False,
        help_text=_("May invite and remove the members of their organisation in the portal."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Empty: follow the browser's language."),
    )
    formality = models.CharField(
        _("form of address"), max_length=10, choices=Formality.choices, blank=True, default=""
    )
    signature = models.TextField(_("signature"), blank=True)
    avatar = models.FileField(_("photo"), upload_to="avatars/", blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(Lower("email"), name="user_email_folded")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def is_staff(self) -> bool:
        """Django admin (the technical back office) is for admins only: managers configure
        the desk in its own settings area (``/desk/settings/``)."""
        return self.role == Role.ADMIN and self.is_active

    @property
    def is_agent(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace(".", " ").split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMIN:
            return True
        return super().has_module_perms(app_label)


#: The names the first migration gave the default teams: shown in the reader's language.
BUILT_IN_TEAM_NAMES = {
    "First line": _("First line"),
    "Second line": _("Second line"),
    "Management": _("Management"),
}


class Team(models.Model):
    """A group of agents at one tier: first line, second line, management."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, default=Tier.FIRST_LINE
    )
    is_default_for_tier = models.BooleanField(
        _("default for its tier"),
        default=False,
        help_text=_("Escalations to this tier land in this team."),
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), related_name="teams", blank=True
    )
    manager = models.ForeignKey(
        User,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        ordering = ["tier", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(
                fields=["tier"],
                condition=models.Q(is_default_for_tier=True),
                name="one_default_team_per_tier",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name as people read it: a built-in team's name in their language."""
        return str(BUILT_IN_TEAM_NAMES.get(self.name, self.name))


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    read_only = models.BooleanField(
        _("read-only"), default=False, help_text=_("May only read (GET, HEAD, OPTIONS).")
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def issue(
        cls,
        user: User,
        name: str,
        *,
        expires_at: datetime | None = None,
        read_only: bool = False,
    ) -> tuple[ApiToken, str]:
        raw = "lk_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            key_hash=_hash_token(raw),
            expires_at=expires_at,
            read_only=read_only,
        )
        return token, raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """The token with this value, expired or not (the caller says which it was)."""
        return cls.objects.select_related("user").filter(key_hash=_hash_token(raw)).first()

    @classmethod
    def lookup(cls, raw: str) -> ApiToken | None:
        """The token with this value if it may be used now."""
        token = cls.find(raw)
        if token is None or not token.user.is_active or token.is_expired:
            return None
        return token


class AuditEntry(models.Model):
    """Changes to people and rights (ticket changes are in the ticket events)."""

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=50)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An organisation's invitation to one address; the mailed link carries a signed, expiring
    token (``loket.accounts.invitations``). Accepting it, signed in with that address and the
    address verified, makes the person a member."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organisation", "created_at"], name="invitation_org")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        """Neither accepted, withdrawn nor expired."""
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


from loket.accounts.models_desk import DeskSettings as DeskSettings  # noqa: E402 - registers it
