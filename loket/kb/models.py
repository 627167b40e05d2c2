"""Knowledge base: categories, articles in several languages, their history and feedback,
canned replies, failed searches and deflection records.

An ``Article`` is one subject; each ``Translation`` is that subject in one language, with its
own status, slug, text and version history. Changes go through ``loket.kb.actions``.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Formality
from loket.kb.filerefs import resolve_refs
from loket.kb.languages import KB_LANGUAGES
from loket.lib.files import SAFE_INLINE_SIGNATURES
from loket.lib.html import HtmlTooComplex, sanitise_html
from loket.tickets.models import Priority, State


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (help centre)")
    INTERNAL = "internal", _("Internal (agents only)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class BodyFormat(models.TextChoices):
    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML")


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.slug

    def name_in(self, language: str) -> str:
        names = {n.language: n.name for n in self.names.all()}
        return names.get(language) or names.get("en") or next(iter(names.values()), self.slug)


class CategoryName(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="names")
    language = models.CharField(_("language"), max_length=5, choices=KB_LANGUAGES)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("category name")
        verbose_name_plural = _("category names")
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="kb_one_name_per_lang")
        ]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One subject, written in one or more languages (its translations)."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a category with articles is not deleted under them
        related_name="articles",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kb_articles",
        help_text=_("Keeps the article correct and is reminded when a review is due."),
    )
    review_due = models.DateField(_("review due"), null=True, blank=True)
    review_reminded_at = models.DateTimeField(null=True, blank=True)
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=True
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["review_due"], name="kb_article_review_due")]

    def __str__(self) -> str:
        first = self.translations.order_by("id").first()
        return first.title if first else f"#{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class Translation(models.Model):
    """An article in one language. ``search_title``/``search_body`` hold the analysed terms
    (see ``loket.kb.languages``); the database indexes them in the same transaction."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=5, choices=KB_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, allow_unicode=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Other words people use for this subject; they count like the title."),
    )
    body_format = models.CharField(
        _("format"), max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML (sanitised)"), blank=True, editable=False)
    body_text = models.TextField(_("plain text"), blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=0)
    search_title = models.TextField(blank=True, editable=False)
    search_body = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["article__position", "article_id", "language"]
        verbose_name = _("article translation")
        verbose_name_plural = _("article translations")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_one_text_per_lang"),
            models.UniqueConstraint(fields=["language", "slug"], name="kb_unique_slug_per_lang"),
        ]
        indexes = [
            models.Index(fields=["language", "status"], name="kb_translation_lang_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def safe_html(self) -> SafeString:
        """The body for templates: sanitised when saved, and sanitised again on the way out."""
        try:
            return mark_safe(resolve_refs(sanitise_html(self.body_html)))  # nh3 output
        except HtmlTooComplex:  # saved before the limits: shown as its text
            return mark_safe(linebreaks(self.body_text))  # escaped by linebreaks


class Embedding(models.Model):
    """Unused since ``ArticleVector`` (one vector per version, written by a task); kept until
    every node runs the release that stopped writing it, then dropped (expand/contract)."""

    translation = models.OneToOneField(
        Translation, on_delete=models.CASCADE, primary_key=True, related_name="embedding"
    )
    model = models.CharField(max_length=60)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("embedding")
        verbose_name_plural = _("embeddings")

    def __str__(self) -> str:
        return f"{self.translation_id} ({self.model})"


class ArticleVector(models.Model):
    """The meaning of one version of a translation (the optional semantic extra,
    ``kb.semantic``): 384 little-endian float32 values, unit length, 1,536 bytes.

    Written by the ``kb.tasks.embed_articles`` task that saving the version enqueues; when a
    version's vector is stored, the vectors of its earlier versions are deleted. ``language``
    is the translation's (it never changes), so a process loads a language's vectors without
    a join; search uses a vector only while its version is the translation's current one."""

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="vectors")
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=5)
    model = models.CharField(max_length=60)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article vector")
        verbose_name_plural = _("article vectors")
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "version", "model"], name="kb_vector_per_version"
            )
        ]
        indexes = [models.Index(fields=["language", "model", "id"], name="kb_vector_lang_model")]

    def __str__(self) -> str:
        return f"{self.translation_id} v{self.version} ({self.model})"


class Revision(models.Model):
    """One saved state of a translation: the version history."""

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    keywords = models.CharField(max_length=300, blank=True)
    body_format = models.CharField(max_length=10, choices=BodyFormat.choices)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["translation", "number"], name="kb_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.translation_id} v{self.number}"


class Vote(models.Model):
    """A "was this helpful?" answer: one vote per reader (signed-in person or browser session)."""

    translation = models.ForeignKey(Translation, on_delete=models.CASCADE, related_name="votes")
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    voter = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["translation", "voter"], name="kb_one_vote_per_voter")
        ]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.translation_id}"


class SearchSource(models.TextChoices):
    HELP_CENTRE = "help", _("Help centre")
    DESK = "desk", _("Agent desk")
    DEFLECTION = "deflection", _("Ticket form")
    API = "api", _("API")


class FailedSearch(models.Model):
    """A search that found nothing: what people look for and the knowledge base lacks."""

    query = models.CharField(_("search"), max_length=200)
    language = models.CharField(_("language"), max_length=5, choices=KB_LANGUAGES)
    source = models.CharField(max_length=12, choices=SearchSource.choices)
    count = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-count", "-last_at"]
        verbose_name = _("missing article")
        verbose_name_plural = _("missing articles")
        constraints = [
            models.UniqueConstraint(fields=["query", "language"], name="kb_failed_search_query")
        ]

    def __str__(self) -> str:
        return self.query


class Deflection(models.Model):
    """One ticket form being filled in: which articles it was shown, whether one was opened,
    and whether the ticket was still sent. Deflected = opened and not sent."""

    key = models.CharField(max_length=40, unique=True)
    source = models.CharField(max_length=12, default="portal")
    language = models.CharField(max_length=5, blank=True)
    shown = models.JSONField(default=list)
    opened = models.ForeignKey(
        Translation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")

    def __str__(self) -> str:
        return self.key


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def validate_colour(value: str) -> None:
    if not HEX_COLOUR.match(value):
        raise ValidationError(_("Use a colour like #1f6feb."))


class Branding(models.Model):
    """The help centre's look: one row (the first one counts)."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    logo = models.FileField(_("logo"), upload_to="kb/brand/", blank=True)
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f6feb", validators=[validate_colour]
    )
    header_colour = models.CharField(
        _("header colour"), max_length=7, default="#ffffff", validators=[validate_colour]
    )
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("help centre branding")
        verbose_name_plural = _("help centre branding")

    def __str__(self) -> str:
        return self.name or str(_("Branding"))


class Macro(models.Model):
    """A canned reply: texts per language (and register) and changes to apply with it."""

    title = models.CharField(_("title"), max_length=120)
    shortcut = models.SlugField(
        _("shortcut"), max_length=40, unique=True, help_text=_("Type /shortcut in the reply box.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    set_state = models.CharField(
        _("set state"), max_length=20, choices=State.choices, blank=True, default=""
    )
    set_priority = models.PositiveSmallIntegerField(
        _("set priority"), choices=Priority.choices, null=True, blank=True
    )
    add_tags = models.CharField(
        _("add tags"), max_length=300, blank=True, help_text=_("Comma-separated.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip().lower() for t in self.add_tags.split(",") if t.strip()]


class MacroText(models.Model):
    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=5, choices=KB_LANGUAGES)
    formality = models.CharField(
        _("form of address"),
        max_length=10,
        choices=Formality.choices,
        blank=True,
        default="",
        help_text=_("Dutch, German, French and Russian need a formal and an informal text."),
    )
    body = models.TextField(_("text"), max_length=20000)

    class Meta:
        verbose_name = _("canned reply text")
        verbose_name_plural = _("canned reply texts")
        constraints = [
            models.UniqueConstraint(
                fields=["macro", "language", "formality"], name="kb_macro_text_unique"
            ),
            models.CheckConstraint(
                condition=~Q(language__in=["nl", "de", "fr", "ru"]) | ~Q(formality=""),
                name="kb_macro_register_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.macro_id} {self.language} {self.formality}"


def article_file_path(instance: ArticleFile, filename: str) -> str:
    """A generated name: nothing the uploader chose reaches the file system."""
    return f"kb/files/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ArticleFile(models.Model):
    """An image or file uploaded to an article (shared by its languages). Images may be placed
    in the text; every file is listed under the article. Served only through
    ``loket.kb.access.get_file_for``: as visible as the article itself."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=article_file_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("article file")
        verbose_name_plural = _("article files")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        """A raster image whose bytes match its type: the only kind shown inline."""
        return self.content_type in SAFE_INLINE_SIGNATURES
