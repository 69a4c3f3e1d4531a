"""Object-level authorisation, swept over every API operation and every review and scorecard page.

The world (``world.py``): openings one and two with their own committee
members, interviewer A on opening one and B on opening two, each with a
submitted scorecard; scores, shortlists, decisions; tokens with webhook
subscriptions. The operations and pages are enumerated (schema, URLconf), so a
new endpoint is swept as soon as it exists and fails by name until the sweep
knows which of the world's objects its path names.

* Interviewer A reaches nothing of B's, and no fit score, shortlist or review page at all.
* A committee member reaches their opening's objects only: lists are filtered (ids
  compared), anything else answers 404.
* A token holds exactly its scopes: without an operation's ``x-required-scope`` it gets
  403 ``missing_scope``; a revoked token and no credentials get 401 (pages: the login).
* Nothing refused writes anything, and no answer contains another opening's text.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.hostile.operations import (
    GLOBAL_PATHS,
    api_client,
    names_foreign_object,
    operation_path,
    response_json,
    send,
    valid_body,
)
from tests.hostile.world import FOREIGN, api_operations, fingerprint_changes, tables_fingerprint

pytestmark = pytest.mark.django_db

# A form body that any of the pages' POST handlers would act on, were it allowed to.
PAGE_FORM = {
    "outcome": "advance",
    "rationale": "Hostile decision",
    "order_by": "fit",
    "reason": "Hostile amendment",
    "recommendation": "strong_no",
    "summary": "Hostile",
    "action": "submit",
}


def _operations_in_safe_order():
    # Deleting a subscription or erasing a candidate last, so earlier requests find them.
    operations = api_operations()
    return sorted(operations, key=lambda item: (item[0] == "DELETE" or item[1].endswith("/erase/"), item[1]))


def _list_ids(response) -> tuple[str, set] | None:
    """(id field, ids) of a list answer, or None when the answer is not a list."""
    data = response_json(response)
    items = data.get("results") if isinstance(data, dict) else data
    if not isinstance(items, list) or response.status_code != 200:
        return None
    key = "id"
    if items and "id" not in items[0]:
        key = "application"
    return key, {item[key] for item in items}


def _expected_lists(world, persona: str) -> dict[str, set]:
    """What each list may show the persona (by path template): theirs, and nothing else."""
    own_interviews = {world.interview_one.pk, world.interview_open.pk}
    if persona == "interviewer_a":
        return {
            "/api/v1/interviews/": own_interviews,
            "/api/v1/scorecards/": {world.scorecard_a.pk},
        }
    return {
        "/api/v1/openings/": {world.opening_one.pk},
        "/api/v1/candidates/": {world.application_one.candidate_id},
        "/api/v1/applications/": {world.application_one.pk},
        "/api/v1/interviews/": own_interviews,
        "/api/v1/decisions/": {world.decision_one.pk},
        "/api/v1/applications/{application_id}/decisions/": {world.decision_one.pk},
        "/api/v1/scorecards/": {world.scorecard_a.pk},
        "/api/v1/fit-scores/": {world.application_one.pk},
        "/api/v1/openings/{id}/shortlists/": {world.shortlist_one.pk},
        "/api/v1/shortlists/{id}/entries/": {world.application_one.pk},
        "/api/v1/take-homes/": {world.take_home_own.pk},
        "/api/v1/applications/{application_id}/take-homes/": {world.take_home_own.pk},
    }


class Refusals:
    """Collects answers that break the rules; checks that refused requests wrote nothing."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.before = tables_fingerprint()

    def check(self, label: str, response, expected: set[int]) -> None:
        after = tables_fingerprint()
        if response.status_code not in expected:
            self.problems.append(f"{label}: {response.status_code}, expected {sorted(expected)}")
        if response.status_code >= 300 and fingerprint_changes(self.before, after):
            self.problems.append(f"{label}: refused but wrote {fingerprint_changes(self.before, after)}")
        if FOREIGN.encode() in response.content:
            self.problems.append(f"{label}: the answer shows another opening's or interviewer's data")
        self.before = after


@pytest.mark.parametrize("persona", ["interviewer_a", "committee_one"])
def test_no_api_operation_lets_a_person_reach_another_opening_s_or_interviewer_s_objects(world, persona):
    from integrations.scopes import user_has_scope

    user = getattr(world, persona)
    client, refusals = api_client(user=user), Refusals()
    expected_lists, seen_lists = _expected_lists(world, persona), set()
    for method, template, operation in _operations_in_safe_order():
        body = valid_body(method, template, world)
        # Within their role's scopes a hidden object is a 404, as if it did not exist; outside, a 403.
        allowed = user_has_scope(user, operation["x-required-scope"])
        if names_foreign_object(template):
            # B's scorecard, opening two's application, shortlist, scores, another token's webhook...
            path = operation_path(template, world, foreign=True)
            response = send(client, method, path, body)
            refusals.check(f"{persona} {method} {path}", response, {404} if allowed else {403})
        elif method != "GET" and not allowed:
            # Creating records is for recruiters and tokens; people write only through objects they reach.
            path = operation_path(template, world)
            refusals.check(f"{persona} {method} {path}", send(client, method, path, body), {403})
        if method != "GET" or template in GLOBAL_PATHS:
            continue
        # The persona's own side: lists hold exactly what they may see.
        path = operation_path(template, world)
        response = client.get(path)
        refusals.check(f"{persona} GET {path}", response, {200, 403, 404})
        listed = _list_ids(response)
        if listed is not None:
            seen_lists.add(template)
            if template not in expected_lists:
                refusals.problems.append(f"{persona} GET {template}: a list the sweep has no expectation for")
            elif listed[1] != expected_lists[template]:
                refusals.problems.append(f"{persona} GET {path}: {listed} != {expected_lists[template]}")
    assert refusals.problems == []
    assert seen_lists == set(expected_lists)  # each expected list was reached and compared


def test_interviewer_a_reads_no_fit_score_or_shortlist_not_even_for_their_own_candidate(world):
    client, refusals = api_client(user=world.interviewer_a), Refusals()
    scoring_operations = [
        (method, template)
        for method, template, _ in api_operations()
        if "fit-scores" in template or "shortlists" in template
    ]
    assert len(scoring_operations) >= 5
    for method, template in scoring_operations:
        path = operation_path(template, world)  # opening one, application one: A's own interview's
        response = send(client, method, path, valid_body(method, template, world))
        refusals.check(f"GET {path}", response, {403, 404})
    assert refusals.problems == []


def test_a_token_without_the_scope_an_operation_names_gets_403_missing_scope_and_with_it_gets_through(
    world, token_client
):
    from integrations.scopes import ALL_SCOPES, EVENT_READ_SCOPES

    without, only = {}, {}
    refusals = Refusals()
    operations = _operations_in_safe_order()
    assert len(operations) >= 40
    for method, template, operation in operations:
        scope = operation["x-required-scope"]
        path, body = operation_path(template, world), valid_body(method, template, world)
        # A webhook subscription also needs the read scope of each event it names.
        events = tuple(sorted((body or {}).get("events", []))) if isinstance(body, dict) else ()
        needed = (scope, *sorted({EVENT_READ_SCOPES[event] for event in events}))
        if scope not in without:
            without[scope] = token_client(sorted(ALL_SCOPES - {scope}), name=f"All but {scope}")
        if needed not in only:
            only[needed] = token_client(list(needed), name=f"Only {' '.join(needed)}")
        response = send(without[scope], method, path, body)
        refusals.check(f"{method} {template} without {scope}", response, {403})
        if response.status_code == 403 and response_json(response)["code"] != "missing_scope":
            refusals.problems.append(f"{method} {template}: 403 {response_json(response)}")
        # The one scope is enough (the token's own objects; the answer may still be a 4xx about the body).
        refusals.before = tables_fingerprint()
        response = send(only[needed], method, path, body)
        if response.status_code in (401, 403) or response.status_code >= 500:
            refusals.problems.append(f"{method} {template} with only {needed}: {response.status_code}")
        refusals.before = tables_fingerprint()
    assert refusals.problems == []


def test_a_token_reaches_only_its_own_webhook_subscriptions_and_deliveries(world):
    client, refusals = api_client(secret=world.token_secret), Refusals()
    webhook_operations = [
        (m, p) for m, p, _ in _operations_in_safe_order() if p.startswith("/api/v1/webhooks/")
    ]
    assert len(webhook_operations) >= 6
    for method, template in webhook_operations:
        if names_foreign_object(template):
            path = operation_path(template, world, foreign=True)  # the other token's subscription
            refusals.check(
                f"{method} {path}", send(client, method, path, valid_body(method, template, world)), {404}
            )
    listed = _list_ids(client.get("/api/v1/webhooks/"))
    assert listed == ("id", {world.subscription_own.pk})
    assert refusals.problems == []


def test_a_token_reaches_only_its_own_source_s_interviewer_identities_and_attribute_mappings(world):
    # Each ATS's ids and attribute names are its own namespace: another source's are absent (404).
    client, refusals = api_client(secret=world.token_secret), Refusals()
    per_source = ("/api/v1/interviewer-identities/", "/api/v1/attribute-mappings/")
    operations = [(m, p) for m, p, _ in _operations_in_safe_order() if p.startswith(per_source)]
    assert len(operations) >= 10
    for method, template in operations:
        if names_foreign_object(template):
            path = operation_path(template, world, foreign=True)  # the lever token's identity or mapping
            refusals.check(
                f"{method} {path}", send(client, method, path, valid_body(method, template, world)), {404}
            )
    assert _list_ids(client.get("/api/v1/interviewer-identities/")) == ("id", {world.identity_own.pk})
    assert _list_ids(client.get("/api/v1/attribute-mappings/")) == ("id", {world.mapping_own.pk})
    # B's lever identity is not among the identities an interviewer is shown with either.
    refusals.check("GET /api/v1/interviewers/", client.get("/api/v1/interviewers/"), {200})
    assert refusals.problems == []


@pytest.mark.parametrize("credentials", ["revoked token", "no credentials", "malformed token"])
def test_every_api_operation_answers_401_to_a_revoked_missing_or_malformed_token(world, credentials):
    secret = {"revoked token": world.revoked_secret, "no credentials": None, "malformed token": "dsk_\u00e9x"}
    client, refusals = api_client(secret=secret[credentials]), Refusals()
    for method, template, _ in _operations_in_safe_order():
        path = operation_path(template, world)
        response = send(client, method, path, valid_body(method, template, world))
        refusals.check(f"{credentials} {method} {path}", response, {401})
    assert refusals.problems == []


# Pages ------------------------------------------------------------------------------------


def _pages() -> list[tuple[str, str]]:
    """(route, resource) of every review page, and the interviewer's interview and scorecard pages."""
    from assessments.urls import urlpatterns as assessment_pages
    from review.urls import urlpatterns as review_pages

    pages = [
        ("/review/" + str(pattern.pattern), str(pattern.pattern).split("/")[0]) for pattern in review_pages
    ]
    for pattern in assessment_pages:
        route = str(pattern.pattern)
        if route.startswith(("interviews/", "scorecards/")):
            pages.append(("/" + route, route.split("/")[0]))
    return pages


def _page_url(route: str, resource: str, world, *, foreign: bool) -> str:
    if "<int:pk>" not in route:
        return route
    objects = {
        "openings": (world.opening_one, world.opening_two),
        "applications": (world.application_one, world.application_two),
        "shortlists": (world.shortlist_one, world.shortlist_two),
        "interviews": (world.interview_one, world.interview_two),
        "scorecards": (world.scorecard_a, world.scorecard_b),
        "take-homes": (world.take_home_own, world.take_home_other),
    }
    assert resource in objects, f"a page under /{resource}/ the sweep does not know: {route}"
    return route.replace("<int:pk>", str(objects[resource][foreign].pk))


def _visit(client: Client, url: str, *, post_allowed: bool = True):
    """GET the page; a POST-only page (405) is POSTed a form it would act on."""
    response = client.get(url)
    if response.status_code == 405 and post_allowed:
        response = client.post(url, PAGE_FORM)
    return response


def test_every_review_and_scorecard_page_sends_anonymous_visitors_to_the_login(world):
    client, refusals = Client(), Refusals()
    pages = _pages()
    assert len(pages) >= 18
    for route, resource in pages:
        for foreign in (False, True):
            url = _page_url(route, resource, world, foreign=foreign)
            response = _visit(client, url)
            refusals.check(f"anonymous {url}", response, {302})
            if response.status_code == 302 and not response["Location"].startswith("/accounts/login/"):
                refusals.problems.append(f"anonymous {url}: redirected to {response['Location']}")
    assert refusals.problems == []


TAKE_HOME_REPORT = "/review/take-homes/<int:pk>/"


def test_interviewer_a_gets_404_on_every_review_page_but_their_candidate_s_take_home_and_on_b_s_pages(world):
    client, refusals = Client(), Refusals()
    client.force_login(world.interviewer_a)
    for route, resource in _pages():
        for foreign in (False, True) if "<int:pk>" in route else (False,):
            url = _page_url(route, resource, world, foreign=foreign)
            if route == TAKE_HOME_REPORT and not foreign:
                # The one committee page an interviewer of the application opens: it says the
                # report is hidden until their own scorecard is in (tests/review/takehomes).
                refusals.check(f"A {url}", _visit(client, url, post_allowed=False), {200})
            elif route.startswith("/review/") or foreign:
                refusals.check(f"A {url}", _visit(client, url), {404})
            else:
                # A's own interviews and scorecard open (read only: nothing is POSTed here).
                refusals.check(f"A {url}", _visit(client, url, post_allowed=False), {200, 302})
    assert refusals.problems == []


# A committee member's own opening: every page opens but the interviewer's own forms.
INTERVIEWER_ONLY = {
    "/interviews/<int:pk>/scorecard/",
    "/interviews/<int:pk>/scorecard/submit/",
    "/scorecards/<int:pk>/amend/",
}


def test_a_committee_member_opens_their_opening_s_pages_and_gets_404_on_the_other_opening_s(world):
    client, refusals = Client(), Refusals()
    client.force_login(world.committee_one)
    opened = 0
    for route, resource in _pages():
        if "<int:pk>" in route:
            foreign_url = _page_url(route, resource, world, foreign=True)
            refusals.check(f"committee {foreign_url}", _visit(client, foreign_url), {404})
        own_url = _page_url(route, resource, world, foreign=False)
        own = client.get(own_url)
        if own.status_code == 405:  # POST-only: not acted on for the own opening here
            continue
        refusals.check(f"committee {own_url}", own, {404} if route in INTERVIEWER_ONLY else {200})
        opened += own.status_code == 200
    assert refusals.problems == []
    # Openings list, dashboard, shortlist, snapshot, compare, CSV, profile, debrief, analytics, kit...
    assert opened >= 11
