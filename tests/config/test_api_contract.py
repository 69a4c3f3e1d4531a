"""schemathesis against the live OpenAPI schema: every operation, authenticated, no 5xx, responses conform.

Runs in process through the WSGI app, inside the test's database transaction,
with a token holding every scope and some data to find. The example budget
is small locally and larger on CI (``CI`` set), where time is cheaper than a
missed bug.
"""

import json
import os

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.checks import CHECKS, is_check_class, load_all_checks


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

# Examples per operation: few in ``make test``, more on CI. To hunt, CONTRACT_EXAMPLES=100 and
# CONTRACT_SEED=1, 2, ...: the repo's profile derandomizes, a seed draws other examples (the
# stateful run then draws afresh each time; a failure prints its reproduction blob).
MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES") or (40 if os.environ.get("CI") else 6))
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES") or (20 if os.environ.get("CI") else 8))
SEED = int(os.environ["CONTRACT_SEED"]) if os.environ.get("CONTRACT_SEED") else None


def _seeded(test):
    return test if SEED is None else hypothesis.seed(SEED)(test)


load_all_checks()


def _known_data_acceptance(ctx, response, case):
    """``positive_data_acceptance``, less the refusals a schema cannot foresee.

    A schema says which requests are well formed, not which records exist or what the
    server already holds. So a schema-valid request may still be refused with
    * 422: the ``Idempotency-Key`` came before with another body, or the advisor has no
      rule for the situation (both documented);
    * 400 for a reference to something that does not exist: the generator draws ids,
      role and skill-area keys and cursors from the schema's types, the data decides
      which exist; and a webhook URL whose host does not resolve.
    Every other 4xx outside the documented auth/404/409/429 answers still fails.
    """
    if response.status_code == 422:
        return None
    if response.status_code == 400:
        try:
            body = response.json()
        except ValueError:
            body = {}
        messages = [message for messages in (body.get("fields") or {}).values() for message in messages]
        if body.get("code") in _MISSING_RECORD_CODES:
            return None
        if messages and all(any(part in message for part in _MISSING_RECORD) for message in messages):
            return None
    return checks.positive_data_acceptance(ctx, response, case)


_MISSING_RECORD_CODES = {
    "invalid_cursor",
    "invalid_token_id",  # a token subscribes for itself: its id is data
    "unknown_role",
    "unknown_skill_area",
    "webhook_url_refused",  # the host does not resolve here
}
_MISSING_RECORD = ("object does not exist", "No single interviewer matches")

# Every check schemathesis registers, each applied where its phase makes it meaningful:
# the conformance checks on every answer; negative_data_rejection on the negative cases and
# missing_required_header/unsupported_method on the coverage cases (pytest generates
# examples, coverage and fuzzing cases, positive and negative, for each operation);
# use_after_free and ensure_resource_availability in the stateful test, where a created
# resource is followed. ignored_auth re-sends without and with a bad token. Two are adapted,
# not dropped: positive_data_acceptance as ``_known_data_acceptance`` above, and
# max_response_time (off unless configured) at its 10 s default.
# object_level_authorization compares what two identities may read; with one token (every
# scope) it has nothing to compare, and tests/authz/ sweeps that per persona instead.
ALL_CHECKS = [
    _known_data_acceptance if check is checks.positive_data_acceptance else check
    for check in CHECKS.get_all()
    if not is_check_class(check)
] + [checks.max_response_time]


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
    derandomize=SEED is None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@_seeded
def test_every_operation_answers_within_its_schema_and_never_5xx(case, api_world):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_world['secret']}"},
        checks=ALL_CHECKS,
    )


def test_the_contract_run_applies_every_check_schemathesis_registers():
    names = {check.__name__ for check in ALL_CHECKS}
    assert set(CHECKS.get_all_names()) - names == {"positive_data_acceptance"}  # as _known_data_acceptance


# What the stateful run must be able to follow: a created resource into reads, changes and its end.
# schemathesis infers these links from the schema (dependency analysis of ids in paths and bodies).
REQUIRED_LINKS = {
    "POST /api/v1/candidates/": [
        "GET /api/v1/candidates/{id}/",
        "PATCH /api/v1/candidates/{id}/",
        "POST /api/v1/candidates/{id}/erase/",
    ],
    "POST /api/v1/applications/": [
        "GET /api/v1/applications/{id}/",
        "PATCH /api/v1/applications/{id}/",
        "POST /api/v1/applications/{application_id}/decisions/",
    ],
    "POST /api/v1/webhooks/": [
        "GET /api/v1/webhooks/{id}/",
        "PATCH /api/v1/webhooks/{id}/",
        "DELETE /api/v1/webhooks/{id}/",
    ],
}


def _rule_name(operation: str) -> str:
    method, path = operation.split(" ")
    return f"{method}_{path.lstrip('/')}".replace("/", "_").replace("{", "").replace("}", "")


class ApiWorkflow(schema.as_state_machine()):
    """Sequences through the schema's links: a created candidate, application or webhook is then read,
    changed, erased or deleted, and every answer is checked with every check (use_after_free and
    ensure_resource_availability among them)."""

    secret = ""

    def setup(self):
        # Each sequence starts from the same data: Hypothesis replays sequences to shrink them.
        super().setup()
        self._sequence = transaction.atomic()
        self._sequence.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._sequence.__exit__(None, None, None)
        super().teardown()

    def get_call_kwargs(self, case):
        return {"headers": {"Authorization": f"Bearer {self.secret}"}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response,
            checks=ALL_CHECKS,
            headers={"Authorization": f"Bearer {self.secret}"},
            transport_kwargs=kwargs or None,
            recorder=self.recorder,
        )


def test_the_stateful_run_follows_created_candidates_applications_and_webhooks():
    rules = [name for name in dir(ApiWorkflow) if "__" in name]
    missing = [
        f"{source} -> {target}"
        for source, targets in REQUIRED_LINKS.items()
        for target in targets
        if not any(
            name.startswith(_rule_name(source) + "__") and name.endswith("__" + _rule_name(target))
            for name in rules
        )
    ]
    assert missing == []


@pytest.mark.django_db
def test_sequences_of_operations_follow_created_resources_and_stay_within_the_schema(api_world):
    ApiWorkflow.secret = api_world["secret"]
    ApiWorkflow.run(
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            database=None,
            derandomize=SEED is None,
            print_blob=True,
            suppress_health_check=list(HealthCheck),
        )
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
