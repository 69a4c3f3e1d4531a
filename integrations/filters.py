"""Filters every API list shares: ids as whole numbers, datetimes with their time zone, in UTC."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # ids are PostgreSQL bigints


def utc_or_error(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; PostgreSQL refuses offsets beyond ±15:59, so nothing else reaches it."""
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise forms.ValidationError("Enter a datetime within years 1-9999.", code="invalid") from None


TIMEZONE_REQUIRED = "Give the time zone: end the datetime with Z or an offset such as +01:00."


class UtcIsoDateTimeField(forms.DateTimeField):
    """An ISO 8601 datetime with its time zone, converted to UTC.

    Refused (400 at the parameter): an empty value (``?updated_since=``: leave the
    parameter out instead), text that is no ISO 8601 datetime, one without a time
    zone (``timezone_required``: we would have to guess it), and offsets PostgreSQL
    refuses (beyond ±15:59).
    """

    def to_python(self, value):
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = str(value).strip()
            if not text:
                raise forms.ValidationError(
                    "Give an ISO 8601 datetime, or leave the parameter out.", code="blank"
                )
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
            if parsed is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            raise forms.ValidationError(TIMEZONE_REQUIRED, code="timezone_required")
        return utc_or_error(parsed)


class SinceFilter(filters.IsoDateTimeFilter):
    """A datetime query parameter (``updated_since``, ``scheduled_before``): see ``UtcIsoDateTimeField``."""

    field_class = UtcIsoDateTimeField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A record id: a whole number (not 2.5, not 1e9)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _TrueOrFalseField(forms.Field):
    """``true`` or ``false`` (as the schema's boolean), anything else a 400; left out, no filter.

    Django's NullBooleanField reads ``?is_active=abc`` as "not given" and filters nothing.
    """

    default_error_messages = {"invalid": "Give true or false, or leave the parameter out."}

    widget = forms.TextInput  # django-filter's BooleanWidget turns what is not a boolean into "not given"

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    """A boolean query parameter that refuses what is not one (see ``_TrueOrFalseField``)."""

    field_class = _TrueOrFalseField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)
