"""Every admin page opens with data present, and no changelist queries once per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.review.admin.conftest import registered_models

pytestmark = pytest.mark.django_db

MODELS = registered_models()
IDS = [model._meta.label for model in MODELS]


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def changelist_queries(client, model) -> tuple[int, int]:
    """(query count, rows listed) of one request for the model's changelist."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist_url(model))
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_every_changelist_and_change_page_opens_for_a_superuser(superuser_client, make_rows, model):
    row = make_rows(model, 2)

    listing = superuser_client.get(changelist_url(model))
    page = superuser_client.get(change_url(model, row.pk))

    assert listing.status_code == 200
    assert listing.context["cl"].result_count >= 2
    assert page.status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_changelist_runs_as_many_queries_for_30_rows_as_for_3(superuser_client, make_rows, model):
    make_rows(model, 3)
    superuser_client.get(changelist_url(model))  # warm the per-process caches (content types)
    few_queries, few_rows = changelist_queries(superuser_client, model)

    make_rows(model, 27)
    many_queries, many_rows = changelist_queries(superuser_client, model)

    assert many_rows >= few_rows + 27
    assert many_queries == few_queries


def test_every_registered_model_has_rows_for_these_tests(make_rows):
    for model in MODELS:
        assert make_rows(model, 1) is not None, model._meta.label
