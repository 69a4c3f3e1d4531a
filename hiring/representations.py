"""The JSON hiring records are shown as, and the API's one way of writing a datetime.

Plain Python (no DRF), so services can put a resource into an event inside
their transaction and views can answer without building a serializer (a
ModelSerializer's fields cost more than the rendering); ``hiring.api``'s
serializers declare the same shapes for the OpenAPI document and render with
these functions. Who may see a record is decided before (selectors).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from hiring.models import Candidate

_UTC_KEYS = frozenset({"UTC", "Etc/UTC"})


def current_zone() -> dt.tzinfo:
    """The current time zone, for ``iso_datetime``: look it up once per response, not per datetime.

    The lookup (``timezone.get_current_timezone``, an asgiref ``Local``) costs
    more than formatting a datetime does.
    """
    return timezone.get_current_timezone()


def iso_datetime(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """``value`` as the API writes datetimes: what DRF's ``DateTimeField`` renders, ISO 8601 in the
    current time zone with UTC as "Z" (``2025-03-04T10:15:02.120000Z``); None stays None.

    ``zone`` is the current time zone when the caller has looked it up (``current_zone``), else
    this looks it up. In UTC (``TIME_ZONE``'s default) a value read from PostgreSQL is already in
    UTC and is written as it is. Raises ValueError for a naive datetime, as ``timezone.localtime`` does.
    """
    if value is None:
        return None
    if zone is None:
        zone = timezone.get_current_timezone()
    if value.tzinfo is None:
        raise ValueError("iso_datetime() cannot be applied to a naive datetime")
    if zone is dt.UTC or getattr(zone, "key", None) in _UTC_KEYS:
        if value.tzinfo is not dt.UTC:
            value = value.astimezone(dt.UTC)
        return f"{value.isoformat()[:-6]}Z"
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def candidate_resource(candidate: Candidate) -> dict:
    """A candidate as the API shows it (``hiring.api.CandidateSerializer`` declares the shape)."""
    zone = current_zone()
    return {
        "id": candidate.pk,
        "name": candidate.name,
        "email": candidate.email,
        "notes": candidate.notes,
        "source": candidate.source,
        "external_id": candidate.external_id,
        "erased": candidate.erased_at is not None,
        "erased_at": iso_datetime(candidate.erased_at, zone),
        "created_at": iso_datetime(candidate.created_at, zone),
        "updated_at": iso_datetime(candidate.updated_at, zone),
    }
