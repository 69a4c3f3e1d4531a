import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import RubricVersion
from assessments.services import RatingInput, rubric_version_fork, scorecard_save_draft, scorecard_submit
from hiring.models import Interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/hiring/opening/",
        "/admin/hiring/candidate/",
        "/admin/hiring/application/",
        "/admin/hiring/interview/",
        "/admin/assessments/scorecard/",
        "/admin/hiring/candidate/?q=Ada",
    ],
)
def test_recruiter_admin_lists_load(admin_client_logged_in, interview, url):
    assert admin_client_logged_in.get(url).status_code == 200


def test_admin_opening_and_scorecard_pages_load(admin_client_logged_in, interview, interviewer):
    scorecard = scorecard_save_draft(
        interview=interview,
        user=interviewer,
        recommendation="yes",
        ratings=[RatingInput(area.key, 3) for area in interview.focus_areas.all()],
    )
    scorecard_submit(scorecard=scorecard, user=interviewer)

    assert (
        admin_client_logged_in.get(
            f"/admin/hiring/opening/{interview.application.opening_id}/change/"
        ).status_code
        == 200
    )
    page = admin_client_logged_in.get(f"/admin/assessments/scorecard/{scorecard.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # read-only in the admin


def test_admin_refuses_focus_areas_from_another_rubric_version(
    admin_client_logged_in, application, interviewer
):
    other_version = rubric_version_fork(
        version=RubricVersion.objects.get(pk=application.opening.rubric_version_id)
    )
    foreign_area = other_version.areas.get(key="communication")

    response = admin_client_logged_in.post(
        "/admin/hiring/interview/add/",
        {
            "application": application.pk,
            "kind": "technical",
            "scheduled_at_0": (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%d"),
            "scheduled_at_1": "10:00:00",
            "duration_minutes": 60,
            "focus_areas": [foreign_area.pk],
            "assignments-TOTAL_FORMS": 1,
            "assignments-INITIAL_FORMS": 0,
            "assignments-0-interviewer": interviewer.pk,
        },
    )

    assert response.status_code == 200
    assert "Not in this opening" in response.content.decode()
    assert not Interview.objects.filter(application=application).exists()
