"""Texts kept per language (``{"en": ..., "nl": ...}``): choosing one for the reader."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language


def pick(texts: Any, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else English, else the first."""
    if not isinstance(texts, dict) or not texts:
        return ""
    lang = (language or get_language() or "en").split("-")[0]
    for candidate in (lang, "en", *texts.keys()):
        value = texts.get(candidate)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def languages() -> list[tuple[str, str]]:
    """The desk's languages (code, name), for the per-language inputs in settings."""
    return [(code, str(name)) for code, name in settings.LANGUAGES]
