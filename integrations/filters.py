"""Filters every API list shares: ids as whole numbers, "since" datetimes in UTC."""

import datetime as dt

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1  # ids are PostgreSQL bigints


def utc_or_error(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; PostgreSQL refuses offsets beyond ±15:59, so nothing else reaches it."""
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise forms.ValidationError("Enter a datetime within years 1-9999.", code="invalid") from None


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime, converted to UTC: PostgreSQL refuses offsets beyond ±15:59."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        return utc_or_error(parsed)


class SinceFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A record id: a whole number (not 2.5, not 1e9)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
