"""Who reaches which hiring endpoint: scopes first (403), then visibility (404 and absent from lists)."""

import pytest

from tests.hiring.conftest import ALL_HIRING_SCOPES

pytestmark = pytest.mark.django_db

# (method, url template, scope). Templates name the fixtures whose ids they need.
ENDPOINTS = [
    ("get", "/api/v1/openings/", "openings:read"),
    ("post", "/api/v1/openings/", "openings:write"),
    ("get", "/api/v1/openings/{opening}/", "openings:read"),
    ("patch", "/api/v1/openings/{opening}/", "openings:write"),
    ("get", "/api/v1/candidates/", "candidates:read"),
    ("post", "/api/v1/candidates/", "candidates:write"),
    ("get", "/api/v1/candidates/{candidate}/", "candidates:read"),
    ("patch", "/api/v1/candidates/{candidate}/", "candidates:write"),
    ("put", "/api/v1/candidates/external/greenhouse/gh-1/", "candidates:write"),
    ("post", "/api/v1/candidates/{candidate}/erase/", "candidates:erase"),
    ("get", "/api/v1/applications/", "candidates:read"),
    ("post", "/api/v1/applications/", "candidates:write"),
    ("get", "/api/v1/applications/{application}/", "candidates:read"),
    ("patch", "/api/v1/applications/{application}/", "candidates:write"),
    ("put", "/api/v1/applications/external/greenhouse/gh-1/", "candidates:write"),
    ("get", "/api/v1/interviews/", "interviews:read"),
    ("post", "/api/v1/interviews/", "interviews:write"),
    ("get", "/api/v1/interviews/{interview}/", "interviews:read"),
    ("get", "/api/v1/applications/{application}/decisions/", "decisions:read"),
    ("post", "/api/v1/applications/{application}/decisions/", "decisions:write"),
    ("get", "/api/v1/decisions/", "decisions:read"),
]


def url_for(template: str, interview) -> str:
    application = interview.application
    return template.format(
        opening=application.opening_id,
        candidate=application.candidate_id,
        application=application.pk,
        interview=interview.pk,
    )


@pytest.mark.parametrize(("method", "template", "scope"), ENDPOINTS)
def test_a_token_without_the_endpoints_scope_gets_403(token_client, interview, method, template, scope):
    client = token_client(sorted(set(ALL_HIRING_SCOPES) - {scope}))

    response = getattr(client, method)(url_for(template, interview), {}, format="json")

    assert response.status_code == 403
    assert response.json() == {"code": "missing_scope", "detail": f"This needs the '{scope}' scope."}


@pytest.mark.parametrize(("method", "template", "scope"), ENDPOINTS)
def test_an_anonymous_caller_gets_401(client, interview, method, template, scope):
    response = getattr(client, method)(url_for(template, interview), {}, content_type="application/json")

    assert response.status_code == 401


DETAILS = [
    "/api/v1/openings/{opening}/",
    "/api/v1/candidates/{candidate}/",
    "/api/v1/applications/{application}/",
    "/api/v1/interviews/{interview}/",
    "/api/v1/applications/{application}/decisions/",
]

# What each persona gets for (the opening committee_member sits on, another opening).
# ``interviewer`` is assigned to an interview of the first; ``other_interviewer`` to one of the second.
MATRIX = {
    "recruiter": [(200, 200)] * 5,
    "committee_member": [(200, 404)] * 5,
    "other_committee_member": [(404, 200)] * 5,
    "interviewer": [(403, 403), (403, 403), (403, 403), (200, 404), (403, 403)],
    "other_interviewer": [(403, 403), (403, 403), (403, 403), (404, 200), (403, 403)],
    "outsider": [(403, 403), (403, 403), (403, 403), (404, 404), (403, 403)],
}


@pytest.mark.parametrize("persona", sorted(MATRIX))
@pytest.mark.parametrize("detail", range(len(DETAILS)))
def test_people_see_details_by_role_and_committee_seat(as_user, interview, other_interview, persona, detail):
    client = as_user(persona)
    template = DETAILS[detail]

    statuses = (
        client.get(url_for(template, interview)).status_code,
        client.get(url_for(template, other_interview)).status_code,
    )

    assert statuses == MATRIX[persona][detail]


LISTS = [
    ("/api/v1/openings/", lambda interview: interview.application.opening_id),
    ("/api/v1/candidates/", lambda interview: interview.application.candidate_id),
    ("/api/v1/applications/", lambda interview: interview.application_id),
    ("/api/v1/interviews/", lambda interview: interview.pk),
    ("/api/v1/decisions/", lambda interview: interview.application.decisions.get().pk),
]


@pytest.fixture
def decided(interview, other_interview):
    from hiring.services import decision_record

    for each in (interview, other_interview):
        decision_record(application=each.application, outcome="hold", rationale="Later.", actor=None)


@pytest.mark.parametrize(("url", "id_of"), LISTS)
def test_a_committee_members_lists_hold_only_their_openings_records(
    session_client, committee_member, interview, other_interview, decided, url, id_of
):
    response = session_client(committee_member).get(url)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [id_of(interview)]


@pytest.mark.parametrize(("url", "id_of"), LISTS)
def test_recruiters_and_tokens_list_every_record(
    session_client, recruiter, ats, interview, other_interview, decided, url, id_of
):
    for client in (session_client(recruiter), ats):
        ids = {row["id"] for row in client.get(url).json()["results"]}
        assert ids == {id_of(interview), id_of(other_interview)}


def test_an_interviewers_interview_list_holds_only_their_own(
    session_client, other_interviewer, interview, other_interview, outsider
):
    own = session_client(other_interviewer).get("/api/v1/interviews/").json()["results"]
    none = session_client(outsider).get("/api/v1/interviews/").json()["results"]

    assert ([row["id"] for row in own], none) == ([other_interview.pk], [])


@pytest.mark.parametrize(
    ("method", "template", "body"),
    [
        ("patch", "/api/v1/applications/{application}/", {"stage": "offer"}),
        ("patch", "/api/v1/candidates/{candidate}/", {"name": "X"}),
        ("post", "/api/v1/openings/", {"title": "X", "role": "ml_engineer"}),
        ("post", "/api/v1/interviews/", {}),
    ],
)
def test_committee_members_cannot_write_hiring_records(
    session_client, committee_member, interview, method, template, body
):
    response = getattr(session_client(committee_member), method)(
        url_for(template, interview), body, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "missing_scope")
