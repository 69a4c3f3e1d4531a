"""Template helpers for take-homes: an exercise's brief, Markdown rendered safely."""

import markdown
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# What a brief may hold once rendered: text structure, tables, code and links; no HTML of
# the author's own (markdown passes raw HTML through, so nh3 cleans the result), no images.
_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


@register.filter
def brief_html(text: str) -> str:
    """Markdown to HTML, then sanitised: script, styles, event handlers and javascript: links go."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just sanitised it
