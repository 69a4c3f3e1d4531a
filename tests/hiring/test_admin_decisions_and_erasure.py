import pytest

from hiring.models import Candidate, InterviewerIdentity
from hiring.services import decision_record
from integrations.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_the_application_page_shows_its_decision_history_read_only(admin_client_logged_in, application):
    decision_record(application=application, outcome="hold", rationale="Waiting for references.", actor=None)

    page = admin_client_logged_in.get(f"/admin/hiring/application/{application.pk}/change/")

    assert page.status_code == 200
    assert b"Waiting for references." in page.content
    assert b'name="decisions-0-rationale"' not in page.content


@pytest.mark.parametrize(
    "url", ["/admin/hiring/decision/", "/admin/hiring/intervieweridentity/", "/admin/hiring/candidate/"]
)
def test_decision_and_identity_lists_load(admin_client_logged_in, application, interviewer, url):
    decision_record(application=application, outcome="advance", rationale="Yes.", actor=None)
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="gh-u-1")

    assert admin_client_logged_in.get(url).status_code == 200
    assert admin_client_logged_in.get(f"{url}?q=gh-u-1").status_code == 200


def test_decisions_cannot_be_added_in_the_admin(admin_client_logged_in):
    assert admin_client_logged_in.get("/admin/hiring/decision/add/").status_code == 403


def test_the_admin_action_erases_candidates_through_the_service(admin_client_logged_in, application):
    candidate = application.candidate

    admin_client_logged_in.post(
        "/admin/hiring/candidate/",
        {"action": "erase_personal_data", "_selected_action": [candidate.pk]},
    )

    candidate.refresh_from_db()
    assert candidate.name == f"Erased candidate {candidate.pk}"
    assert Candidate.objects.filter(erased_at__isnull=False).count() == 1
    assert AuditEvent.objects.filter(action="candidate.erased", target_id=str(candidate.pk)).count() == 1
