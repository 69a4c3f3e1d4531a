"""Template helpers for the product's forms: the error summary, and fields wired to their messages.

``{% error_summary_items as items %}`` collects the errors of every bound form
in the page's context (see ``config.forms``); base.html renders them at the top
of the page. ``{% form_field field %}`` renders a field's label, inline error,
input, help text and, for a long text, its "Up to N characters" hint and the
counter the script fills, with ``aria-describedby`` pointing at each.
"""

from django import template

from config.forms import error_summary_items as _error_summary_items
from config.forms import forms_with_errors, input_id, is_long_text

register = template.Library()


@register.simple_tag(takes_context=True)
def error_summary_items(context) -> list:
    return _error_summary_items(forms_with_errors(context.flatten().values()))


@register.simple_tag
def described_by(bound_field) -> str:
    """The ids of the field's error, help text and length hint, as the templates name them.

    Named after the field's id (``id_outcome-error``), also for a group of radios whose
    inputs are ``id_outcome_0``, ``id_outcome_1``...: the group's fieldset points at them.
    """
    field_id = bound_field.auto_id
    ids = []
    if bound_field.errors:
        ids.append(f"{field_id}-error")
    if bound_field.help_text:
        ids.append(f"{field_id}-help")
    if is_long_text(bound_field):
        ids.append(f"{field_id}-hint")
    return " ".join(ids)


@register.simple_tag
def field_input(bound_field, **attrs):
    """The field's widget with ``aria-describedby`` (and ``aria-invalid`` when in error) set."""
    if ids := described_by(bound_field):
        attrs.setdefault("aria-describedby", ids)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.inclusion_tag("_form_field.html")
def form_field(bound_field):
    """Label, inline error, input, help and (long text) the length hint and counter of one field."""
    max_length = bound_field.field.max_length if is_long_text(bound_field) else None
    return {
        "field": bound_field,
        "field_id": bound_field.auto_id,
        "input_id": input_id(bound_field),
        "input": field_input(bound_field),
        "max_length": max_length,
        "max_length_text": f"{max_length:,}" if max_length else "",
    }
