"""The API's orjson renderer writes what DRF's JSONRenderer writes, for whatever the views hand it."""

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from integrations.api.renderers import JSONRenderer

# JSON without floats: the two must agree byte for byte. Text includes U+2028/U+2029, NUL,
# controls, astral characters and lone surrogates (which neither can write as UTF-8).
texts = st.text(alphabet=st.characters(), max_size=12) | st.sampled_from(["\u2028", "a\u2029b", "\x00", "é"])
integers = st.integers(min_value=-(2**63), max_value=2**64 - 1)
scalars = st.none() | st.booleans() | integers | texts
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=25,
)
drf = renderers.JSONRenderer()
ours = JSONRenderer()


def both(data, media_type=None):
    """(DRF's bytes or its exception type, ours or our exception type)."""
    answers = []
    for renderer in (drf, ours):
        try:
            answers.append(renderer.render(data, media_type, {}))
        except Exception as error:  # the exception's type is the answer compared
            answers.append(type(error))
    return tuple(answers)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_any_document_without_floats_is_written_byte_for_byte_as_drf_writes_it(data):
    theirs, mine = both(data)
    assert mine == theirs


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.floats(allow_nan=False, allow_infinity=False) | integers, st.lists, max_leaves=10))
def test_floats_are_the_same_numbers(data):
    # Shortest round-trip digits both ways; only the spelling may differ ("1e-05" or "0.00001").
    theirs, mine = both(data)
    assert json.loads(mine) == json.loads(theirs)


@pytest.mark.parametrize(
    "value",
    [
        lambda: dt.datetime(2026, 3, 4, 10, 15, 2, 120000, tzinfo=dt.UTC),
        lambda: dt.datetime(2026, 3, 4, 10, 15, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        lambda: dt.datetime(2026, 3, 4, 10, 15, 2),  # noqa: DTZ001 - a naive one, as DRF writes it
        lambda: dt.date(2026, 3, 4),
        lambda: dt.time(10, 15, 2, 500),
        lambda: dt.timedelta(hours=1, seconds=3),
        lambda: Decimal("12.500"),
        lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
        lambda: gettext_lazy("Not found."),
        lambda: ErrorDetail("This field is required.", code="required"),
        lambda: ReturnDict({"a": [1, 2]}, serializer=None),
        lambda: ReturnList([{"b": None}], serializer=None),
        lambda: {1: "one", None: "none", False: "no", 2.5: "two and a half"},
        lambda: b"bytes",
        lambda: (x for x in [1, 2]),
        lambda: 2**64,  # beyond orjson: DRF's renderer writes it
    ],
    ids=[
        "utc", "offset", "naive", "date", "time", "timedelta", "decimal", "uuid", "lazy", "error",
        "return_dict", "return_list", "non_str_keys", "bytes", "generator", "big_int",
    ],
)  # fmt: skip
def test_what_drf_writes_specially_is_written_as_drf_writes_it(value):
    assert ours.render({"value": value()}) == drf.render({"value": value()})


def test_nesting_beyond_orjsons_limit_is_left_to_drf():
    deep = current = []
    for _ in range(300):
        current.append([])
        current = current[0]
    assert ours.render(deep) == drf.render(deep)


def test_an_indented_answer_is_drfs():
    data = {"a": [1, {"b": "\u2028"}]}
    media_type = "application/json; indent=2"
    assert ours.render(data, media_type, {}) == drf.render(data, media_type, {})
    assert b"\n  " in ours.render(data, media_type, {})


def test_nothing_is_an_empty_body_and_nan_is_null_not_a_failure():
    assert ours.render(None) == b""
    assert ours.render({"fit": float("nan")}) == b'{"fit":null}'


def test_what_drf_cannot_write_fails_as_it_does():
    assert both({"value": object()}) == (TypeError, TypeError)


def test_the_api_answers_with_it_and_escapes_line_separators(token_client):
    client = token_client(["candidates:read", "candidates:write"])
    path = "/api/v1/candidates/external/greenhouse/gh-2028/"

    answer = client.put(path, {"name": "Ada\u2028Lovelace", "email": "ada@example.com"}, format="json")

    assert answer.status_code == 201, answer.content
    assert isinstance(answer.accepted_renderer, JSONRenderer)
    assert b"Ada\\u2028Lovelace" in answer.content
    assert answer.json()["name"] == "Ada\u2028Lovelace"
