"""What every form of the product's pages shares: long text fields and the error summary.

The rule for every form (GOV.UK's error summary is the model): when a submitted
form has errors, the page starts with a summary titled "There is a problem"
that lists each error, each field's error linking to its input
(``href="#id_<field>"``, the first choice of a group of radios or boxes) and
the form's own errors without a link. ``templates/base.html`` renders it at
the top of ``<main>`` for every bound form with errors that the page's context
holds, so no page can forget it; ``config/static/js/forms.js`` moves the focus
to it when the page loads. Without JavaScript the summary is still there, at
the top, and its links still jump to the fields.

Ids follow one convention, which the templates use too: a field's inline error
is ``<input id>-error``, its help text ``<input id>-help`` and a long text's
"Up to N characters" hint ``<input id>-hint``.
"""

from dataclasses import dataclass

from django import forms


class LongTextField(forms.CharField):
    """Free text with a limit the page shows as "Up to N characters" and a counter of characters left.

    A browser sends a textarea's line breaks as CR LF but counts each as one
    character against ``maxlength``; the value is stored with LF line breaks,
    so the server counts what the browser counted and a text the counter let
    through is never refused for its length.
    """

    def __init__(self, *, max_length: int, rows: int = 4, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows}))
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return super().to_python(value)


def is_long_text(bound_field: forms.BoundField) -> bool:
    return isinstance(bound_field.field, LongTextField)


def input_id(bound_field: forms.BoundField) -> str:
    """The id of the element a link to the field should focus: the input, or a group's first choice."""
    subwidgets = bound_field.subwidgets
    if subwidgets and subwidgets[0].id_for_label:
        return subwidgets[0].id_for_label
    return bound_field.auto_id or ""


@dataclass(frozen=True)
class ErrorSummaryItem:
    text: str
    target: str = ""  # the id to link to; empty for an error about the whole form


def _item_text(bound_field: forms.BoundField, message: str) -> str:
    # Inline, an error sits at its field; in the summary it stands alone, so it names the
    # field unless the message already does ("Give an overall recommendation.").
    label = str(bound_field.label or "")
    if not label or label.casefold() in message.casefold():
        return message
    return f"{label} {message}" if label.endswith(("?", ".", ":")) else f"{label}: {message}"


def error_summary_items(forms_on_page) -> list[ErrorSummaryItem]:
    """The errors of the bound forms given, in page order: each form's own errors, then its fields'."""
    items: list[ErrorSummaryItem] = []
    for form in forms_on_page:
        items += [ErrorSummaryItem(str(message)) for message in form.non_field_errors()]
        for bound_field in form:
            for message in bound_field.errors:
                target = "" if bound_field.is_hidden else input_id(bound_field)
                items.append(ErrorSummaryItem(_item_text(bound_field, str(message)), target))
    return items


def forms_with_errors(values) -> list[forms.BaseForm]:
    """The bound forms with errors among ``values`` (a template context's values), each once."""
    found: list[forms.BaseForm] = []
    for value in values:
        is_new = not any(value is form for form in found)
        if isinstance(value, forms.BaseForm) and value.is_bound and value.errors and is_new:
            found.append(value)
    return found
