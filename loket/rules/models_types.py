"""Request types with their custom fields, organisation kinds, and the values on tickets.

Texts a customer reads (names, labels, help, landing text) are kept per language in JSON
objects (``{"en": ..., "nl": ...}``): a language the desk adds later needs no migration.
``loket.rules.texts.pick`` chooses the reader's language, then English, then any.

Kinds are linked to organisations by ``KindMembership`` (a row here, one per organisation)
rather than a field on ``accounts.Organisation``: accounts is a lower layer and must not know
rules, and an organisation without a row simply has no kind (the default kind, if any).
Field values live in ``FieldValue`` rows keyed by ticket (tickets knows nothing of rules): one
row per field, with the typed value (JSON) and its plain text for search and inbox filters.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Organisation, Team
from loket.kb.models import Category
from loket.sla.models import Policy
from loket.tickets.models import Priority, Ticket


class OrganisationKind(models.Model):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    names = models.JSONField(_("names"), default=dict)
    landing = models.JSONField(_("portal landing text"), default=dict, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team for new requests"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sla_policy = models.ForeignKey(
        Policy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    help_categories = models.ManyToManyField(
        Category, verbose_name=_("help-centre sections"), blank=True, related_name="+"
    )
    is_default = models.BooleanField(
        _("default kind"),
        default=False,
        help_text=_("Applies to customers whose organisation has no kind (or who have none)."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("organisation kind")
        verbose_name_plural = _("organisation kinds")

    def __str__(self) -> str:
        from loket.rules.texts import pick

        return pick(self.names) or self.key


class KindMembership(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="kind_membership"
    )
    kind = models.ForeignKey(OrganisationKind, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = _("organisation's kind")
        verbose_name_plural = _("organisations' kinds")

    def __str__(self) -> str:
        return f"{self.organisation_id} → {self.kind_id}"


class RequestType(models.Model):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    names = models.JSONField(_("names"), default=dict)
    descriptions = models.JSONField(_("descriptions"), default=dict, blank=True)
    kinds = models.ManyToManyField(
        OrganisationKind,
        verbose_name=_("organisation kinds"),
        blank=True,
        related_name="request_types",
        help_text=_("Who is offered this type; none: everybody, also on the contact form."),
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    sla_policy = models.ForeignKey(
        Policy, verbose_name=_("SLA policy"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("request type")
        verbose_name_plural = _("request types")

    def __str__(self) -> str:
        from loket.rules.texts import pick

        return pick(self.names) or self.key


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    SELECT = "select", _("Select")
    MULTI_SELECT = "multi_select", _("Multi-select")
    CHECKBOX = "checkbox", _("Checkbox")
    URL = "url", _("URL")
    FILE = "file", _("File")


class CustomField(models.Model):
    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=50)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    labels = models.JSONField(_("labels"), default=dict)
    help = models.JSONField(_("help"), default=dict, blank=True)
    # For select and multi-select: [{"value": "top", "labels": {"en": "Top", "nl": "Boven"}}]
    options = models.JSONField(_("options"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["request_type", "key"], name="unique_field_key"),
        ]

    def __str__(self) -> str:
        from loket.rules.texts import pick

        return pick(self.labels) or self.key

    def option_values(self) -> list[str]:
        return [str(o.get("value", "")) for o in self.options if isinstance(o, dict)]


class TicketRequest(models.Model):
    """A ticket's request type (tickets without one have no row)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="request"
    )
    request_type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("ticket's request type")
        verbose_name_plural = _("tickets' request types")

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.request_type_id}"


class FieldValue(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="field_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.JSONField(null=True)
    # The value as words (option labels, the number as written): searched and filtered.
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("field value")
        verbose_name_plural = _("field values")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="one_value_per_field"),
        ]
        indexes = [models.Index(fields=["field", "ticket"], name="fieldvalue_field_ticket")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.field_id}={self.text[:40]}"
