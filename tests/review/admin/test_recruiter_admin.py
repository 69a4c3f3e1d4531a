"""The recruiters' admin: candidate search, the opening's capped applications inline, the opening
actions, read-only rubric versions once used, and what a recruiter (not a superuser) may open."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import RubricVersion
from hiring.admin import INLINE_APPLICATIONS
from hiring.models import Application, Candidate
from scoring.models import FitScore, Shortlist
from tests.factories import ApplicationFactory, CandidateFactory, OpeningFactory
from tests.review.admin.conftest import RECRUITER_APP_LABELS, registered_models

pytestmark = pytest.mark.django_db

CANDIDATES = reverse("admin:hiring_candidate_changelist")


@pytest.fixture
def searchable(db):
    wanted = CandidateFactory(
        name="Grace Hopper", email="grace.hopper@navy.example", source="greenhouse", external_id="GH-1906"
    )
    CandidateFactory(name="Alan Turing", email="alan@example.com", source="greenhouse", external_id="GH-1912")
    return wanted


@pytest.mark.parametrize(
    "term",
    ["hopper", "Grace Hopper", "grace.hopper@navy.example", "NAVY.example", "GH-1906", "gh-1906"],
)
def test_candidate_search_finds_by_name_email_and_external_id(superuser_client, searchable, term):
    response = superuser_client.get(CANDIDATES, {"q": term})

    assert list(response.context["cl"].result_list) == [searchable]


def test_candidate_search_matches_the_external_id_whole_not_in_part(superuser_client, searchable):
    response = superuser_client.get(CANDIDATES, {"q": "GH-19"})

    assert list(response.context["cl"].result_list) == []


def test_big_lists_count_their_rows_once_not_twice(superuser_client, searchable):
    with CaptureQueriesContext(connection) as queries:
        superuser_client.get(CANDIDATES)

    counts = [query["sql"] for query in queries if query["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1


def opening_with_applications(count: int):
    opening = OpeningFactory(title="Busy opening")
    candidates = Candidate.objects.bulk_create(
        Candidate(name=f"Applicant {i:03d}", email=f"applicant{i}@example.com") for i in range(count)
    )
    Application.objects.bulk_create(
        Application(opening=opening, candidate=candidate, stage="applied") for candidate in candidates
    )
    return opening


def opening_page(client, opening):
    return client.get(reverse("admin:hiring_opening_change", args=[opening.pk]))


def test_the_opening_page_shows_only_its_newest_applications_and_links_to_all(superuser_client):
    opening = opening_with_applications(INLINE_APPLICATIONS + 10)

    response = opening_page(superuser_client, opening)

    (inline,) = response.context["inline_admin_formsets"]
    shown = [form.form.instance for form in inline]
    assert len(shown) == INLINE_APPLICATIONS
    newest = Application.objects.filter(opening=opening).order_by("-pk")[:INLINE_APPLICATIONS]
    assert [application.pk for application in shown] == [application.pk for application in newest]
    content = response.content.decode()
    assert f"?opening__id__exact={opening.pk}" in content
    assert f"All {INLINE_APPLICATIONS + 10} applications of this opening" in content


def test_the_opening_page_runs_as_many_queries_for_60_applications_as_for_5(superuser_client):
    small, busy = opening_with_applications(5), opening_with_applications(60)
    opening_page(superuser_client, small)  # warm the per-process caches

    with CaptureQueriesContext(connection) as few:
        opening_page(superuser_client, small)
    with CaptureQueriesContext(connection) as many:
        opening_page(superuser_client, busy)

    assert len(many) == len(few)


def test_the_applications_link_lists_every_application_of_the_opening(superuser_client):
    opening = opening_with_applications(INLINE_APPLICATIONS + 10)
    ApplicationFactory()  # of another opening

    response = superuser_client.get(
        reverse("admin:hiring_application_changelist"), {"opening__id__exact": opening.pk}
    )

    assert response.context["cl"].result_count == INLINE_APPLICATIONS + 10


def test_stages_can_be_changed_from_the_opening_page(superuser_client):
    opening = opening_with_applications(3)
    applications = list(Application.objects.filter(opening=opening).order_by("-pk"))
    data = {
        "title": opening.title,
        "role": opening.role_id,
        "rubric_version": opening.rubric_version_id,
        "status": opening.status,
        "applications-TOTAL_FORMS": "3",
        "applications-INITIAL_FORMS": "3",
        "applications-MIN_NUM_FORMS": "0",
        "applications-MAX_NUM_FORMS": "1000",
    }
    for index, application in enumerate(applications):
        data[f"applications-{index}-id"] = application.pk
        data[f"applications-{index}-opening"] = opening.pk
        data[f"applications-{index}-stage"] = "screening" if index == 0 else application.stage

    response = superuser_client.post(reverse("admin:hiring_opening_change", args=[opening.pk]), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert [a.stage for a in Application.objects.filter(opening=opening).order_by("-pk")] == [
        "screening",
        "applied",
        "applied",
    ]


def test_the_opening_actions_recompute_scores_and_create_a_shortlist(
    client, recruiter_staff, scored_opening, django_capture_on_commit_callbacks
):
    opening, _applications, _, _ = scored_opening(3)
    FitScore.objects.all().delete()
    client.force_login(recruiter_staff)
    openings = reverse("admin:hiring_opening_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        recomputed = client.post(openings, {"action": "recompute_scores", "_selected_action": [opening.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        shortlisted = client.post(openings, {"action": "create_shortlist", "_selected_action": [opening.pk]})

    assert recomputed.status_code == shortlisted.status_code == 302
    assert FitScore.objects.filter(application__opening=opening).count() == 9
    shortlist = Shortlist.objects.get(opening=opening)
    assert shortlist.status == "ready"
    assert shortlist.entries.count() == 3
    assert shortlist.created_by == recruiter_staff


def test_a_rubric_version_is_read_only_once_a_scorecard_uses_it(
    client, recruiter_staff, scored_opening, make_rows
):
    fresh = make_rows(RubricVersion)
    opening, _, _, _ = scored_opening(1)  # submits scorecards on the current version
    used = RubricVersion.objects.get(pk=opening.rubric_version_id)
    client.force_login(recruiter_staff)

    used_page = client.get(reverse("admin:assessments_rubricversion_change", args=[used.pk]))
    fresh_page = client.get(reverse("admin:assessments_rubricversion_change", args=[fresh.pk]))
    refused = client.post(reverse("admin:assessments_rubricversion_delete", args=[used.pk]), {"post": "yes"})

    assert used.is_locked
    assert not fresh.is_locked
    assert b'name="_save"' not in used_page.content
    assert b'name="_save"' in fresh_page.content
    assert refused.status_code == 403
    assert RubricVersion.objects.filter(pk=used.pk).exists()


RECRUITER_MODELS = [model for model in registered_models() if model._meta.app_label in RECRUITER_APP_LABELS]


@pytest.mark.parametrize("model", RECRUITER_MODELS, ids=[model._meta.label for model in RECRUITER_MODELS])
def test_a_recruiter_opens_the_hiring_assessment_and_scoring_pages(client, recruiter_staff, make_rows, model):
    row = make_rows(model)
    client.force_login(recruiter_staff)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert client.get(reverse(f"{prefix}_change", args=[row.pk])).status_code == 200


def test_a_recruiter_searches_candidates(client, recruiter_staff, searchable):
    client.force_login(recruiter_staff)

    response = client.get(CANDIDATES, {"q": "GH-1906"})

    assert list(response.context["cl"].result_list) == [searchable]


@pytest.mark.parametrize(
    ("persona", "status"), [("recruiter_staff", 200), ("recruiter", 302), ("interviewer", 302)]
)
def test_only_staff_recruiters_reach_the_admin(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(CANDIDATES).status_code == status


def test_a_new_opening_and_an_application_to_an_opening_can_be_added(superuser_client, opening):
    new_opening = superuser_client.get(reverse("admin:hiring_opening_add"))
    new_application = superuser_client.get(reverse("admin:hiring_application_add"), {"opening": opening.pk})

    assert new_opening.status_code == 200
    assert new_application.status_code == 200
    assert new_application.context["adminform"].form.initial["opening"] == str(opening.pk)
