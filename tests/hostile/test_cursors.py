"""Crafted cursors on every cursor-paged list: 400 ``invalid_cursor``, never a 500 or a 404.

The lists come from the OpenAPI schema (every GET with a ``cursor`` parameter),
so a list added later is swept too. A cursor is base64 of a query string
(``o`` offset, ``r`` reverse, ``p`` position); the sweep fuzzes the decoded
content, not only the raw string: positions that are not of the ordering
field's type, impossible dates, NUL, huge numbers, and hypothesis's text.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.hostile.operations import api_client, operation_path, response_json, send
from tests.hostile.world import api_operations

pytestmark = pytest.mark.django_db

CRAFTED = [
    {"p": "abc"},
    {"p": "%00"},
    {"p": "\x00"},
    {"p": "2026-13-45"},
    {"p": "2026-13-45T10:00:00+00:00|1"},
    {"p": "2026-11-01T10:00:00|x"},
    {"p": "99999999999999999999999"},
    {"p": "-1"},
    {"p": "1|2|3"},
    {"o": "-5"},
    {"o": "9" * 30},
    {"r": "maybe", "p": "1"},
    {"o": "1", "r": "1", "p": "' OR 1=1 --"},
]


def cursor_of(tokens: dict[str, str]) -> str:
    return base64.b64encode(urlencode(tokens, doseq=True).encode()).decode()


def cursor_lists():
    return [
        template
        for method, template, operation in api_operations()
        if method == "GET" and any(p.get("name") == "cursor" for p in operation.get("parameters", []))
    ]


def check(client, template, world, tokens, problems):
    path = operation_path(template, world)
    separator = "&" if "?" in path else "?"
    response = send(client, "GET", f"{path}{separator}cursor={cursor_of(tokens)}")
    if response.status_code == 200:
        return
    body = (
        response_json(response) if response.get("Content-Type", "").startswith("application/json") else None
    )
    if response.status_code != 400 or not body or body.get("code") != "invalid_cursor":
        problems.append(
            f"{template} {tokens!r}: {response.status_code} {str(body or response.content)[:120]}"
        )


def test_every_cursor_paged_list_answers_400_invalid_cursor_to_a_crafted_cursor(world):
    client, problems = api_client(secret=world.token_secret), []
    lists = cursor_lists()
    assert len(lists) >= 8
    for template in lists:
        for tokens in CRAFTED:
            check(client, template, world, tokens, problems)
    assert problems == []


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    position=st.one_of(
        st.text(max_size=40),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.datetimes().map(lambda moment: moment.isoformat()),
        st.tuples(st.text(max_size=20), st.integers()).map(lambda pair: f"{pair[0]}|{pair[1]}"),
    ),
    offset=st.one_of(st.none(), st.integers(min_value=-10, max_value=10**12).map(str)),
    reverse=st.sampled_from([None, "1", "0"]),
)
def test_no_decoded_cursor_content_makes_a_list_fail(world, position, offset, reverse):
    client, problems = api_client(secret=world.token_secret), []
    tokens = {"p": position, **({"o": offset} if offset else {}), **({"r": reverse} if reverse else {})}
    for template in cursor_lists():
        check(client, template, world, tokens, problems)
    assert problems == []


def test_a_cursor_time_without_its_offset_is_crafted_and_refused_while_the_api_s_own_pass(world):
    client = api_client(secret=world.token_secret)
    path = "/api/v1/candidates/?updated_since=2000-01-01T00:00:00Z"

    naive = client.get(f"{path}&cursor={cursor_of({'p': '2026-01-01 00:00:00'})}")
    aware = client.get(f"{path}&cursor={cursor_of({'p': '2026-01-01 00:00:00+00:00'})}")

    assert (naive.status_code, response_json(naive)["code"]) == (400, "invalid_cursor")
    assert aware.status_code == 200
