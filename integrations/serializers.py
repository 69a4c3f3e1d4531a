"""Serializer bases every API request body uses: strict about keys, strict about time zones.

Kept apart from ``integrations.api.viewsets`` (the views' base), so the apps' serializers
modules (``scoring.serializers``) need nothing of the API's views.
"""

from collections.abc import Mapping

from django.core.validators import RegexValidator
from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework.utils import html

from config.errors import NON_FIELD
from integrations.filters import TIMEZONE_REQUIRED

UNKNOWN_FIELD = "Unknown field: this operation does not take it (check the spelling)."


NOT_TEXT = "Not a valid string: give text in quotes, not a number, boolean, list or object."


# A request body (or a nested object of one) whose text fields take only text.
#
# DRF's CharField takes 42 as "42" (and a ChoiceField 1 as "1"); the schema says
# "type: string", so a number, boolean or list there is a 400 ``invalid`` at the
# field, as the schema promises. Comments, not docstrings: drf-spectacular would
# make a docstring every subclass's description.
class TextStrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        problems = self._key_and_type_problems(data) if isinstance(data, Mapping) else {}
        if not problems:
            return super().to_internal_value(data)
        errors = {}
        try:
            super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors = error.detail if isinstance(error.detail, dict) else {NON_FIELD: error.detail}
        errors.update(problems)
        raise serializers.ValidationError(errors)

    def _key_and_type_problems(self, data: Mapping) -> dict:
        writable = {name: field for name, field in self.fields.items() if not field.read_only}
        problems: dict = {}
        for key, value in data.items():
            field = writable.get(key)
            if field is None or value is None:
                continue  # an unknown key (see StrictSerializer); null: allow_null decides
            if _takes_text(field) and not isinstance(value, str):
                problems[key] = [exceptions.ErrorDetail(NOT_TEXT, code="invalid")]
            elif (
                isinstance(field, serializers.ListField)
                and _takes_text(field.child)
                and isinstance(value, list)
            ):
                wrong = {
                    index: [exceptions.ErrorDetail(NOT_TEXT, code="invalid")]
                    for index, item in enumerate(value)
                    if item is not None and not isinstance(item, str)
                }
                if wrong:
                    problems[key] = wrong
        return problems


# A request body (or a nested object of one) that also refuses keys it does not define.
#
# A typo such as "scheduled_on" would otherwise be dropped without a word, and the
# request would succeed without the value. Each unknown key is a 400 ``unknown_field``
# at its path, together with the body's other errors. The schema says so too
# (``additionalProperties: false``, see ``integrations.api.schema``).
class StrictSerializer(TextStrictSerializer):
    def _key_and_type_problems(self, data: Mapping) -> dict:
        problems = super()._key_and_type_problems(data)
        known = {name for name, field in self.fields.items() if not field.read_only}
        for key in data:
            if key not in known:
                problems[str(key)] = [exceptions.ErrorDetail(UNKNOWN_FIELD, code="unknown_field")]
        return problems


def _takes_text(field: serializers.Field) -> bool:
    """A field whose schema type is a string: CharField and its kin, or a choice among strings."""
    if getattr(field, "takes_other_types", False):
        return False
    if isinstance(field, serializers.CharField):
        return True
    return (
        isinstance(field, serializers.ChoiceField)
        and not isinstance(field, serializers.MultipleChoiceField)
        and bool(field.choices)
        and all(isinstance(choice, str) for choice in field.choices)
    )


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime that states its time zone (``Z`` or an offset), kept in UTC.

    ``2026-11-28T10:00:00`` could be any of 24 moments; rather than take it as UTC,
    it is a 400 ``timezone_required`` at the field.
    """

    default_error_messages = {
        "timezone_required": TIMEZONE_REQUIRED,
        "blank": "Give an ISO 8601 datetime, or leave the parameter out.",
    }

    def get_value(self, dictionary):
        # DRF reads an optional query parameter given empty (?updated_since=) as not given at all.
        if html.is_html_input(dictionary) and dictionary.get(self.field_name, None) == "":
            return ""
        return super().get_value(dictionary)

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.strip():
            self.fail("blank")
        return super().to_internal_value(value)

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("timezone_required")
        return super().enforce_timezone(value)


# The addresses the API takes, one rule for the server and the schema (which states it as
# `format: email` plus ``EMAIL_PATTERN``). Django's EmailValidator takes more than JSON
# Schema's email format does ("a@ab--cd.com", a local part over 64 characters) and the
# format takes more than Django does ("a@b", "a@b.c1"); an address both take, in this
# ASCII form, is what every mail system delivers. Left out: quoted local parts, IP
# literals, internationalised domains and labels with "--" (punycode).
_ATOM = "[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+"
_LABEL = "[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_TOP_LEVEL = "[A-Za-z](?:-?[A-Za-z])+"
EMAIL_PATTERN = f"^{_ATOM}(?:\\.{_ATOM})*@(?:(?:{_LABEL}\\.)+{_TOP_LEVEL}|localhost)$"
EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit less its brackets, and the models' column
EMAIL_MESSAGE = "Enter a valid email address."


def _validate_email_lengths(value: str) -> None:
    # What a regular expression cannot count: a local part of at most 64 characters and
    # labels of at most 63 (RFC 5321 4.5.3.1).
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or any(len(label) > 63 for label in domain.split(".")):
        raise serializers.ValidationError(EMAIL_MESSAGE, code="invalid")


class EmailField(serializers.EmailField):
    """An e-mail address as the API takes it: Django's validator and ``EMAIL_PATTERN`` both."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)
        pattern = RegexValidator(EMAIL_PATTERN, EMAIL_MESSAGE, code="invalid")
        self.validators = [pattern, _validate_email_lengths, *self.validators]
