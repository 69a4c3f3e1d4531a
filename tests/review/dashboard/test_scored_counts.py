"""One meaning of "scored" on every page: a fit for the opening's role, not merely a computed score."""

import pytest
from django.urls import reverse

from hiring.models import Application
from scoring.models import ApplicationScoreState, FitScore
from scoring.selectors import application_scored
from scoring.services import application_recompute
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_opening(review_opening):
    """Three rated applications, one whose scores were computed before anyone rated it (an empty fit,
    0% coverage: the demo's case), and one never computed."""
    opening, applications, *_ = review_opening(3)
    computed_unrated = ApplicationFactory(opening=opening, candidate__name="Cora Computed")
    application_recompute(application_id=computed_unrated.pk)
    never_computed = ApplicationFactory(opening=opening, candidate__name="Nico Never")
    return opening, applications, computed_unrated, never_computed


def test_an_application_computed_before_any_rating_is_not_scored(mixed_opening):
    opening, applications, computed_unrated, _ = mixed_opening
    state = ApplicationScoreState.objects.get(application=computed_unrated)
    own_fit = FitScore.objects.get(application=computed_unrated, role=opening.role)
    assert state.computed_at is not None  # the old count called this scored
    assert (own_fit.fit, own_fit.coverage) == (None, 0.0)

    scored = Application.objects.filter(opening=opening).filter(application_scored())

    assert set(scored) == set(applications)


def test_the_openings_list_and_the_dashboard_count_the_same_applications_as_scored(
    client, recruiter, mixed_opening
):
    opening, applications, computed_unrated, never_computed = mixed_opening
    client.force_login(recruiter)

    listed = {o.pk: o for o in client.get(reverse("review:opening-list")).context["openings"]}[opening.pk]
    dashboard = client.get(reverse("review:opening-dashboard", args=[opening.pk]))

    assert (listed.application_count, listed.scored_count) == (5, 3)
    assert dashboard.context["scored_count"] == listed.scored_count
    shown = {application.pk: application.scored for application in dashboard.context["applications"]}
    assert shown == {
        **{application.pk: True for application in applications},
        computed_unrated.pk: False,
        never_computed.pk: False,
    }
    page = dashboard.content.decode()
    assert "Scored 3 of 5" in page
    assert page.count(">not scored<") == 2  # the two the count leaves out, and no others


def test_an_opening_without_scored_applications_counts_zero(client, recruiter, opening):
    ApplicationFactory(opening=opening)
    client.force_login(recruiter)

    listed = {o.pk: o for o in client.get(reverse("review:opening-list")).context["openings"]}[opening.pk]

    assert (listed.application_count, listed.scored_count) == (1, 0)
