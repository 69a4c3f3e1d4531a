"""An API answer leaves nothing of what it built for the cycle collector (``viewsets._references_release``).

DRF links a view, its request and its response to one another; left linked, a
page's querysets and data outlive the request until a collection finds them.
The requests here go through Django's request handler as gunicorn's do
(without the test client, whose responses link back to themselves), and what
the collector would have to free afterwards is inspected.
"""

import gc

import pytest
from django.test.client import ClientHandler, RequestFactory
from rest_framework.response import Response
from rest_framework.views import APIView

from scoring import services

pytestmark = pytest.mark.django_db


def answered_garbage(path: str, secret: str) -> tuple[int, list]:
    """Status of ``GET path``, and the unreachable objects once its response is dropped.

    Inspect them by ``type()``: ``isinstance`` would evaluate the lazy objects among them.
    """
    environ = RequestFactory().get(path, HTTP_AUTHORIZATION=f"Bearer {secret}").environ
    handler = ClientHandler(enforce_csrf_checks=False)
    gc.collect()
    gc.disable()
    try:
        response = handler(environ)
        status = response.status_code
        del response
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return status, garbage


def fit_items(garbage: list) -> list[dict]:
    return [obj for obj in garbage if type(obj) is dict and {"application", "roles"} <= obj.keys()]


def test_a_list_page_leaves_no_view_response_or_item_for_the_collector(scored_opening, token_client):
    opening, _, _, _ = scored_opening(6)
    services.opening_recompute(opening_id=opening.pk)
    secret = token_client(["scores:read"]).secret

    status, one = answered_garbage(f"/api/v1/fit-scores/?opening={opening.pk}&page_size=1", secret)
    assert status == 200
    status, six = answered_garbage(f"/api/v1/fit-scores/?opening={opening.pk}&page_size=6", secret)
    assert status == 200

    for garbage in (one, six):
        assert not [obj for obj in garbage if issubclass(type(obj), APIView | Response)]
        assert fit_items(garbage) == []
    # What is left is the request's own bookkeeping, the same for any page: not a few objects per item.
    assert len(six) - len(one) < 10, (len(one), len(six))


def test_an_error_answer_leaves_no_view_or_response_either(token_client):
    secret = token_client(["scores:read"]).secret

    status, garbage = answered_garbage("/api/v1/applications/999999/fit-scores/", secret)

    assert status == 404
    assert not [obj for obj in garbage if issubclass(type(obj), APIView | Response)]
