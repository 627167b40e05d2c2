"""Template tags for the knowledge-base includes."""

from __future__ import annotations

from django import template

from loket.kb import deflection

register = template.Library()


@register.simple_tag
def kb_deflection_token() -> str:
    """A fresh signed key for one ticket form (see ``loket.kb.deflection``)."""
    return deflection.new_token()
