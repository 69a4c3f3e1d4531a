"""The plain representations write exactly what DRF's serializers would."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from hiring.api import CandidateSerializer
from hiring.representations import candidate_resource, iso_datetime
from hiring.services import candidate_erase
from tests.factories import CandidateFactory

ZONES = ["UTC", "Etc/UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
MOMENTS = [
    dt.datetime(2025, 3, 4, 10, 15, 2, 120000, tzinfo=dt.UTC),
    dt.datetime(2025, 7, 1, 23, 59, 59, tzinfo=dt.UTC),  # summer time, and no microseconds
    dt.datetime(2025, 1, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
    dt.datetime(2025, 10, 26, 1, 30, tzinfo=zoneinfo.ZoneInfo("UTC")),  # London's clocks go back
]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_a_datetime_is_written_as_drf_writes_it_in_the_current_time_zone(zone, moment):
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = serializers.DateTimeField().to_representation(moment)

        assert iso_datetime(moment) == expected
        assert iso_datetime(moment, timezone.get_current_timezone()) == expected


def test_a_missing_datetime_is_none_and_a_naive_one_is_refused():
    assert iso_datetime(None) is None
    with pytest.raises(ValueError, match="naive"):
        iso_datetime(dt.datetime(2025, 3, 4, 10, 15))  # noqa: DTZ001 - naive on purpose


@pytest.mark.django_db
@pytest.mark.parametrize("erased", [False, True])
def test_a_candidate_renders_to_the_same_json_bytes_as_its_model_serializer(erased):
    candidate = CandidateFactory(notes="Met at PyData.", source="greenhouse", external_id="gh-1")
    if erased:
        candidate = candidate_erase(candidate=candidate, actor=None)

    by_drf = serializers.ModelSerializer.to_representation(CandidateSerializer(), candidate)

    assert JSONRenderer().render(candidate_resource(candidate)) == JSONRenderer().render(by_drf)
    assert JSONRenderer().render(CandidateSerializer(candidate).data) == JSONRenderer().render(by_drf)
