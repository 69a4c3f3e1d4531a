"""``SERVER_TIMING``: a ``Server-Timing`` header counting each request's queries, and reading it back.

The views below make a known number of ORM queries on the default
connection; this module is the URL conf of the tests that request them.
"""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import path

from config.server_timing import HEADER, ServerTiming, server_timing_format, server_timing_parse

pytestmark = pytest.mark.django_db


def queries_view(request, count: int):
    for _ in range(count):
        get_user_model().objects.filter(pk=0).exists()
    return HttpResponse("ok")


urlpatterns = [path("queries/<int:count>/", queries_view)]


@pytest.fixture
def timed_client(client, settings):
    settings.SERVER_TIMING = True
    settings.ROOT_URLCONF = __name__
    return client


def test_server_timing_is_off_by_default_and_adds_no_header(client, settings):
    settings.ROOT_URLCONF = __name__

    response = client.get("/queries/2/")

    assert settings.SERVER_TIMING is False
    assert response.status_code == 200
    assert HEADER not in response


def test_server_timing_reports_the_queries_a_request_made(timed_client, django_assert_num_queries):
    with django_assert_num_queries(3):
        response = timed_client.get("/queries/3/")

    timing = server_timing_parse(response[HEADER])
    assert timing is not None
    assert timing.queries == 3
    assert 0 <= timing.db_ms <= timing.app_ms
    assert timing.cpu_ms >= 0


def test_server_timing_counts_each_request_afresh_when_several_come_in_a_row(timed_client):
    counts = [server_timing_parse(timed_client.get(f"/queries/{n}/")[HEADER]).queries for n in (4, 1, 0, 2)]

    assert counts == [4, 1, 0, 2]


def test_server_timing_counts_the_queries_of_a_real_endpoint(client, settings, django_assert_num_queries):
    settings.SERVER_TIMING = True

    with django_assert_num_queries(1):  # /healthz: SELECT 1
        response = client.get("/healthz")

    assert server_timing_parse(response[HEADER]).queries == 1


def test_server_timing_header_reads_back_what_was_written():
    timing = ServerTiming(queries=12, db_ms=3.125, cpu_ms=4.2, app_ms=9.0)

    header = server_timing_format(timing)

    assert header == 'db;dur=3.12;desc="12 queries", cpu;dur=4.20, app;dur=9.00'
    assert server_timing_parse(header) == ServerTiming(queries=12, db_ms=3.12, cpu_ms=4.2, app_ms=9.0)
    assert server_timing_parse(server_timing_format(ServerTiming(1, 0.5, 1.0, 2.0))).queries == 1


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "cpu;dur=4.2, app;dur=9.0",  # no db metric
        'db;dur=3.1;desc="12 queries", app;dur=9.0',  # no cpu
        'db;dur=3.1;desc="twelve queries", cpu;dur=4.2, app;dur=9.0',
        'db;dur=3.1;desc="12 queries", cpu;dur=-4.2, app;dur=9.0',
        'db;dur=nan;desc="12 queries", cpu;dur=4.2, app;dur=9.0',
        "garbage",
    ],
)
def test_server_timing_parse_answers_none_for_a_missing_or_malformed_header(header):
    assert server_timing_parse(header) is None
