"""``{% fragment "name" key… %}…{% endfragment %}``: a piece of a page rendered once per process
for each key, language and script prefix, then reused.

For parts that every page repeats and that depend on nothing but their keys: the desk's
navigation (two dozen ``{% url %}`` and ``{% translate %}`` tags, the same for every agent of
a role) cost about a millisecond on every page. Never put a form token, a person's name or a
count inside: the first rendering would be served to everybody with the same keys.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_ENTRIES = 512  # keys are few (a name, a role, a language); a bound all the same
_rendered: dict[tuple[Any, ...], SafeString] = {}


def clear() -> None:
    _rendered.clear()


class FragmentNode(template.Node):
    def __init__(self, name: str, keys: list[FilterExpression], nodelist: NodeList) -> None:
        self.name = name
        self.keys = keys
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        key = (
            self.name,
            get_language(),
            get_script_prefix(),
            *(str(k.resolve(context)) for k in self.keys),
        )
        found = _rendered.get(key)
        if found is None:
            found = mark_safe(self.nodelist.render(context))
            if len(_rendered) >= MAX_ENTRIES:
                _rendered.clear()
            _rendered[key] = found
        return found


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError('usage: {% fragment "name" key… %}')
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(bits[1][1:-1], [parser.compile_filter(b) for b in bits[2:]], nodelist)
