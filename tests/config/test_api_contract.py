"""schemathesis against the live OpenAPI schema: every operation, authenticated, no 5xx, responses conform.

Runs in process through the WSGI app, inside the test's database transaction,
with a token holding every scope and some data to find. The example budget
is small locally and larger on CI (``CI`` set), where time is cheaper than a
missed bug.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis import checks


class _TestApp:
    """The WSGI app, rebuilt per test: middleware reads settings (SSL redirect, hosts) when built."""

    handler = None

    def __call__(self, environ, start_response):
        return self.handler(environ, start_response)


application = _TestApp()


def _live_schema() -> dict:
    """The schema /api/schema/ serves, generated in process (collection runs before test settings apply)."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_live_schema())
schema.app = application

MAX_EXAMPLES = 40 if os.environ.get("CI") else 6


@pytest.fixture
def api_world(db, django_settings_for_contract, token_client, rubric_version):
    from integrations.scopes import ALL_SCOPES
    from tests.factories import ApplicationFactory, InterviewFactory

    client = token_client(sorted(ALL_SCOPES))
    interview = InterviewFactory(application=ApplicationFactory())
    return {"secret": client.secret, "interview": interview}


@pytest.fixture
def django_settings_for_contract(settings):
    settings.API_RATE_LIMIT = "1000000/min"  # the run sends thousands of requests in seconds
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client says "localhost"
    application.handler = WSGIHandler()
    # As Django's test client does: the test's transaction must outlive each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield settings
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_answers_within_its_schema_and_never_5xx(case, api_world):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_world['secret']}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.response_headers_conformance,
        ],
    )


def test_every_operation_is_documented_with_summary_scope_errors_and_an_example():
    documented = _live_schema()
    problems = []
    for path, operations in documented["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            responses = operation.get("responses", {})
            # An example beyond the generic error answers (those are named by their status code).
            examples = [
                name
                for part in [operation.get("requestBody", {}), *responses.values()]
                for media in part.get("content", {}).values()
                for name in media.get("examples", {})
                if not name.isdigit()
            ]
            success = [status for status in responses if status.startswith("2")]
            if not operation.get("summary"):
                problems.append(f"{label}: no summary")
            if not operation.get("x-required-scope"):
                problems.append(f"{label}: no scope")
            if not success or not all(responses[s].get("content") or s == "204" for s in success):
                problems.append(f"{label}: no typed success response")
            if not {"401", "403"} <= set(responses):
                problems.append(f"{label}: auth errors undocumented")
            if not examples and success != ["204"]:  # a 204 has no body to show
                problems.append(f"{label}: no example")
    assert problems == []
