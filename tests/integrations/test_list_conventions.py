import pytest

from integrations.scopes import ALL_SCOPES

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/openings/",
    "/api/v1/candidates/",
    "/api/v1/applications/",
    "/api/v1/interviews/",
    "/api/v1/decisions/",
    "/api/v1/scorecards/",
    "/api/v1/fit-scores/",
    "/api/v1/webhooks/",
    "/api/v1/interviewers/",
    "/api/v1/interviewer-identities/",
    "/api/v1/attribute-mappings/",
    "/api/v1/exercises/",
    "/api/v1/take-homes/",
]
SYNC_LISTS = [
    "/api/v1/candidates/",
    "/api/v1/applications/",
    "/api/v1/decisions/",
    "/api/v1/scorecards/",
    "/api/v1/fit-scores/",
]


@pytest.fixture
def ats(token_client):
    return token_client(sorted(ALL_SCOPES))


@pytest.mark.parametrize("url", LISTS)
def test_a_page_size_above_the_maximum_is_refused_not_cut(ats, url, settings):
    response = ats.get(url, {"page_size": settings.API_MAX_PAGE_SIZE + 1})

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("page_size_too_large", "page_size")


@pytest.mark.parametrize("url", LISTS)
def test_a_cursor_the_api_did_not_give_out_is_400_at_the_cursor(ats, url):
    response = ats.get(url, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("url", SYNC_LISTS)
@pytest.mark.parametrize("since", ["7789-08-25T18:06:49+20:54", "2026-01-01T00:00:00-09:30", "2026-01-01"])
def test_updated_since_takes_any_iso_offset_and_never_errors(ats, url, since):
    response = ats.get(url, {"updated_since": since})

    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "updated_since" in response.json()["fields"]


@pytest.mark.parametrize("url", SYNC_LISTS)
def test_updated_since_that_is_not_a_datetime_is_400_at_the_field(ats, url):
    response = ats.get(url, {"updated_since": "last tuesday"})

    assert response.status_code == 400
    assert "updated_since" in response.json()["fields"]


def test_unknown_api_paths_answer_json_404(ats):
    response = ats.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
