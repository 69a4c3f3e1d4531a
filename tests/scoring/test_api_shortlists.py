import pytest

from integrations.models import Event
from scoring.models import FitScore, Shortlist
from scoring.shortlists import MAX_SHORTLIST_LIMIT

pytestmark = pytest.mark.django_db

ROLES = {"data_scientist", "ml_engineer", "full_stack_data_scientist"}


def shortlists_url(opening):
    return f"/api/v1/openings/{opening.pk}/shortlists/"


@pytest.fixture
def create(django_capture_on_commit_callbacks):
    """``create(client, opening, **body)``: POST a shortlist; its build task runs on commit (eagerly)."""

    def post(client, opening, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(shortlists_url(opening), body, format="json")

    return post


def test_creating_a_shortlist_answers_202_and_its_status_turns_ready_with_ranked_entries(
    scored_opening, token_client, create
):
    opening, applications, _, _ = scored_opening(4)
    client = token_client(["shortlists:read", "shortlists:write"])

    response = create(client, opening, order_by="lower", min_coverage=0.1)

    assert response.status_code == 202
    shortlist = Shortlist.objects.get()
    assert response.data == {
        "id": shortlist.pk,
        "status": "pending",
        "status_url": f"/api/v1/shortlists/{shortlist.pk}/",
    }
    assert response["Location"] == f"/api/v1/shortlists/{shortlist.pk}/"
    detail = client.get(response["Location"]).data
    assert (detail["status"], detail["entry_count"], detail["role"]) == ("ready", 4, "ml_engineer")
    assert detail["parameters"] == {
        "order_by": "lower",
        "min_coverage": 0.1,
        "min_fit": None,
        "stages": [],
        "limit": None,
    }
    assert "earlier application" in detail["tie_break"]
    entries = client.get(detail["entries_url"]).data["results"]
    assert [entry["rank"] for entry in entries] == [1, 2, 3, 4]
    assert [entry["application"] for entry in entries] == [a.pk for a in reversed(applications)]
    best = entries[0]
    assert best["candidate"] == {"id": applications[3].candidate_id, "name": applications[3].candidate.name}
    stored = FitScore.objects.get(application=applications[3], role__key="ml_engineer")
    assert (best["fit"], best["lower"], best["upper"], best["coverage"]) == (
        stored.fit,
        stored.lower,
        stored.upper,
        stored.coverage,
    )
    assert set(best["fits"]) == ROLES
    assert best["fits"]["ml_engineer"]["lower"] == stored.lower
    assert [entry["lower"] for entry in entries] == sorted(
        (entry["lower"] for entry in entries), reverse=True
    )


def test_limit_and_stages_narrow_the_snapshot(scored_opening, token_client, create):
    opening, applications, _, _ = scored_opening(4)
    applications[3].stage = "rejected"
    applications[3].save()
    client = token_client(["shortlists:read", "shortlists:write"])

    response = create(client, opening, limit=2, stages=["interviewing"])

    detail = client.get(response["Location"]).data
    entries = client.get(detail["entries_url"]).data["results"]
    assert detail["entry_count"] == 2
    assert [entry["application"] for entry in entries] == [applications[2].pk, applications[1].pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_by": "vibes"}, "order_by"),
        ({"min_coverage": 2}, "min_coverage"),
        ({"min_coverage": "most"}, "min_coverage"),
        ({"min_fit": -1}, "min_fit"),
        ({"min_fit": 101}, "min_fit"),
        ({"stages": ["limbo"]}, "stages"),
        ({"stages": "interviewing"}, "stages"),
        ({"limit": 0}, "limit"),
        ({"limit": 2.5}, "limit"),
    ],
)
def test_bad_parameters_are_refused_at_their_field_and_record_nothing(
    scored_opening, token_client, create, body, field
):
    opening, _, _, _ = scored_opening(1)

    response = create(token_client(["shortlists:write"]), opening, **body)

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not Shortlist.objects.exists()


def test_a_limit_beyond_the_services_bound_is_refused_as_invalid_limit_and_records_nothing(
    scored_opening, token_client, create
):
    opening, _, _, _ = scored_opening(1)

    response = create(token_client(["shortlists:write"]), opening, limit=MAX_SHORTLIST_LIMIT + 1)

    assert response.status_code == 400
    assert (response.data["code"], response.data["field"]) == ("invalid_limit", "limit")
    assert response.data["fields"]["limit"] == [f"Limit is a whole number from 1 to {MAX_SHORTLIST_LIMIT}."]
    assert not Shortlist.objects.exists()


def test_an_opening_lists_its_shortlists_newest_first(scored_opening, token_client, create):
    opening, _, _, _ = scored_opening(2)
    other, _, _, _ = scored_opening(1, role="data_scientist")
    client = token_client(["shortlists:read", "shortlists:write"])
    first = create(client, opening).data["id"]
    second = create(client, opening, order_by="lower").data["id"]
    create(client, other)

    listed = client.get(shortlists_url(opening)).data["results"]

    assert [item["id"] for item in listed] == [second, first]
    assert all(item["status"] == "ready" for item in listed)


@pytest.mark.parametrize("page_size", [2, 50])
def test_entries_make_a_fixed_number_of_queries_whatever_the_page_size(
    scored_opening, token_client, create, django_assert_num_queries, page_size
):
    opening, _, _, _ = scored_opening(6)
    client = token_client(["shortlists:read", "shortlists:write"])
    entries_url = client.get(create(client, opening)["Location"]).data["entries_url"]

    # The token, the shortlist, the page of entries with candidates and roles.
    with django_assert_num_queries(3):
        response = client.get(f"{entries_url}?page_size={page_size}")

    assert len(response.data["results"]) == min(page_size, 6)


@pytest.mark.parametrize("page_size", [2, 50])
def test_the_shortlist_list_makes_a_fixed_number_of_queries_whatever_the_page_size(
    scored_opening, token_client, create, django_assert_num_queries, page_size
):
    opening, _, _, _ = scored_opening(2)
    client = token_client(["shortlists:read", "shortlists:write"])
    for _ in range(3):
        create(client, opening)

    # The token, the opening, the page of shortlists with their roles.
    with django_assert_num_queries(3):
        response = client.get(f"{shortlists_url(opening)}?page_size={page_size}")

    assert len(response.data["results"]) == min(page_size, 3)


def test_entries_page_by_rank_without_gaps(scored_opening, token_client, create):
    opening, _, _, _ = scored_opening(5)
    client = token_client(["shortlists:read", "shortlists:write"])
    url = client.get(create(client, opening)["Location"]).data["entries_url"] + "?page_size=2"

    ranks = []
    while url:
        page = client.get(url).data
        ranks += [entry["rank"] for entry in page["results"]]
        url = page["next"]

    assert ranks == [1, 2, 3, 4, 5]


def test_the_ready_event_is_recorded_once_and_carries_the_shortlist_as_the_api_shows_it(
    scored_opening, token_client, create
):
    opening, _, _, _ = scored_opening(3)
    client = token_client(["shortlists:read", "shortlists:write"])

    location = create(client, opening)["Location"]

    events = list(Event.objects.filter(type="shortlist.ready"))
    assert len(events) == 1
    assert events[0].resource == client.get(location).data


def test_a_build_that_fails_marks_the_shortlist_failed(scored_opening, token_client, monkeypatch):
    from scoring import engine
    from scoring.shortlists import shortlist_create
    from scoring.tasks import shortlist_build

    opening, _, _, _ = scored_opening(2)
    shortlist = shortlist_create(opening=opening)

    def broken(*args, **kwargs):
        raise RuntimeError("ranking exploded")

    monkeypatch.setattr(engine, "rank", broken)
    with pytest.raises(RuntimeError):
        shortlist_build.apply(args=[shortlist.pk], throw=True)

    detail = token_client(["shortlists:read"]).get(f"/api/v1/shortlists/{shortlist.pk}/").data
    assert (detail["status"], detail["entry_count"]) == ("failed", None)
    assert detail["error"] == "The build failed; create the shortlist again."
    assert not Event.objects.filter(type="shortlist.ready").exists()


def test_resending_the_same_idempotency_key_creates_one_shortlist(scored_opening, token_client, create):
    opening, _, _, _ = scored_opening(2)
    client = token_client(["shortlists:write"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {client.secret}", HTTP_IDEMPOTENCY_KEY="sl-1")

    first = create(client, opening, limit=1)
    again = create(client, opening, limit=1)

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.data["id"] == first.data["id"]
    assert Shortlist.objects.count() == 1


READ_MATRIX = [
    ("token", 200),
    ("token_without_scope", 403),
    ("recruiter", 200),
    ("committee_member", 200),
    ("other_committee", 404),
    ("interviewer", 403),
    ("outsider", 403),
    ("no_role", 403),
    ("anonymous", 401),
]


@pytest.mark.parametrize(("persona", "expected"), READ_MATRIX)
def test_who_may_read_a_shortlist_its_entries_and_the_openings_list(
    scored_opening, api_personas, token_client, create, persona, expected
):
    opening, _, _, _ = scored_opening(2)
    clients = api_personas(opening)
    shortlist_id = create(token_client(["shortlists:write"]), opening).data["id"]
    client = clients[persona]

    statuses = [
        client.get(f"/api/v1/shortlists/{shortlist_id}/").status_code,
        client.get(f"/api/v1/shortlists/{shortlist_id}/entries/").status_code,
        client.get(shortlists_url(opening)).status_code,
    ]

    assert statuses == [expected] * 3


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("token", 202),
        ("token_without_scope", 403),
        ("read_only_token", 403),
        ("recruiter", 202),
        ("committee_member", 202),
        ("other_committee", 404),
        ("interviewer", 403),
        ("outsider", 403),
        ("no_role", 403),
        ("anonymous", 401),
    ],
)
def test_who_may_create_a_shortlist(scored_opening, api_personas, token_client, create, persona, expected):
    opening, _, _, _ = scored_opening(1)
    clients = api_personas(opening)
    clients["read_only_token"] = token_client(["shortlists:read"])

    response = create(clients[persona], opening)

    assert response.status_code == expected
    assert Shortlist.objects.count() == (1 if expected == 202 else 0)
    if persona in ("recruiter", "committee_member"):
        assert Shortlist.objects.get().created_by is not None


def test_shortlists_of_an_opening_the_caller_cannot_see_are_absent_not_listed(
    scored_opening, api_personas, token_client, create
):
    opening, _, _, _ = scored_opening(1)
    hidden, _, _, _ = scored_opening(2, role="data_scientist")
    clients = api_personas(opening)
    writer = token_client(["shortlists:write"])
    hidden_id = create(writer, hidden).data["id"]
    visible_id = create(writer, opening).data["id"]

    response = clients["committee_member"].get(shortlists_url(hidden))

    assert response.status_code == 404
    assert clients["committee_member"].get(f"/api/v1/shortlists/{hidden_id}/").status_code == 404
    listed = clients["committee_member"].get(shortlists_url(opening)).data["results"]
    assert [item["id"] for item in listed] == [visible_id]


def test_ordering_by_meets_bars_ranks_by_that_probability_and_puts_the_clearly_below_last(
    four_candidates, token_client, create
):
    opening, candidates = four_candidates
    client = token_client(["shortlists:read", "shortlists:write"])

    response = create(client, opening, order_by="meets_bars")

    assert response.status_code == 202
    detail = client.get(response["Location"]).data
    assert detail["parameters"]["order_by"] == "meets_bars"
    assert "probability of meeting every must-have bar" in detail["tie_break"]
    entries = client.get(detail["entries_url"]).data["results"]
    names = {application.pk: name for name, application in candidates.items()}
    assert [names[entry["application"]] for entry in entries] == ["likely", "sure", "doubtful", "below"]
    assert [entry["meets_bars_probability"] for entry in entries] == [0.95, 0.95, 0.6, 0.04]
    assert [entry["gated"] for entry in entries] == [False, False, False, True]


def test_entries_show_the_stored_probabilities_of_meeting_and_missing_the_bars(
    four_candidates, token_client, create
):
    opening, candidates = four_candidates
    client = token_client(["shortlists:read", "shortlists:write"])
    entries_url = client.get(create(client, opening)["Location"]).data["entries_url"]

    entries = client.get(entries_url).data["results"]

    for entry in entries:
        stored = {
            score.role.key: score
            for score in FitScore.objects.filter(application_id=entry["application"]).select_related("role")
        }
        own = stored["ml_engineer"]
        assert entry["meets_bars_probability"] == own.meets_bars_probability
        assert entry["below_bar_probability"] == own.below_bar_probability
        assert (entry["gated"], entry["below_bar"]) == (own.gated, own.below_bar)
        assert {key: fits["meets_bars_probability"] for key, fits in entry["fits"].items()} == {
            key: score.meets_bars_probability for key, score in stored.items()
        }
    below = next(entry for entry in entries if entry["application"] == candidates["below"].pk)
    assert below["below_bar_probability"] == {
        "software_engineering": 0.95,
        "production_deployment": 0.2,
        "mlops_monitoring": 0.0,
        "cloud_containers": 0.0,
    }
    assert entries[-1] == below  # the best fit, but clearly below a bar


def test_an_unknown_order_answers_400_naming_the_three_orders(scored_opening, token_client, create):
    opening, _, _, _ = scored_opening(1)

    response = create(token_client(["shortlists:write"]), opening, order_by="meets")

    assert response.status_code == 400
    assert response.data["fields"]["order_by"] == ["Order by 'fit', 'lower' or 'meets_bars'."]
    assert not Shortlist.objects.exists()
