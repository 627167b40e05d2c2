"""The desk-wide settings a manager changes in the desk: branding, security policy, retention.

One row (``DeskSettings.current()``); an empty field falls back to the deployment's setting
(``LOKET_SITE_NAME``, ``LOKET_MFA_REQUIRED_ROLES``, the session engine's default length).
Kept in ``accounts`` (the lowest app) so the desk header, mail and sign-in may read it.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
CACHE_KEY = "loket:desk-settings:v1"
_REQUEST_ATTR = "_loket_desk_settings"


def validate_colour(value: str) -> None:
    if value and not HEX_COLOUR.match(value):
        raise ValidationError(_("Use a colour like #1f6feb."))


class DeskSettings(models.Model):
    name = models.CharField(
        _("desk name"), max_length=100, blank=True, help_text=_("Shown in the page header.")
    )
    logo = models.FileField(_("logo"), upload_to="brand/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, blank=True, validators=[validate_colour]
    )
    header_colour = models.CharField(
        _("header colour"), max_length=7, blank=True, validators=[validate_colour]
    )
    sender_name = models.CharField(
        _("sender name"),
        max_length=100,
        blank=True,
        help_text=_("The name outgoing mail comes from; empty: the agent's name and the desk's."),
    )
    mail_footer = models.TextField(
        _("mail footer"), blank=True, max_length=1000, help_text=_("Added under every reply.")
    )
    staff_two_factor = models.BooleanField(
        _("require two-factor sign-in for every staff member"),
        default=False,
        help_text=_("Agents too; admins and managers always need it when the server says so."),
    )
    session_hours = models.PositiveIntegerField(
        _("session length (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
        help_text=_("Staff are signed out this long after signing in. Empty: the default."),
    )
    retention_months = models.PositiveIntegerField(
        _("delete closed tickets after (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text=_("Empty: closed tickets are kept."),
    )
    undo_send_seconds = models.PositiveSmallIntegerField(
        _("undo a sent reply within (seconds)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "A reply from the ticket page goes out this long after Send, and can be taken "
            "back until then. 0: it goes out at once. Empty: the server's default (10 s)."
        ),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(_("Desk settings"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        cache.delete(CACHE_KEY)

    @property
    def desk_name(self) -> str:
        return self.name or settings.SITE_NAME

    @classmethod
    def current(cls, request: HttpRequest | None = None) -> DeskSettings:
        """The one row (cached; a save forgets the cache). Unsaved defaults when none. With
        ``request``, read once per request (the two-factor middleware and the page header
        both ask on every page; the views that save redirect)."""
        if request is not None:
            kept = getattr(request, _REQUEST_ATTR, None)
            if isinstance(kept, DeskSettings):
                return kept
        found = cache.get(CACHE_KEY)
        if not isinstance(found, DeskSettings):
            found = cls.objects.order_by("pk").first() or cls()
            cache.set(CACHE_KEY, found, 300)
        if request is not None:
            setattr(request, _REQUEST_ATTR, found)
        return found
