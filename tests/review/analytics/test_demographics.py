"""Self-reported demographics: kept apart, imported by recruiters, erased with the candidate, never shown."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from config.errors import ApplicationError
from hiring.demographics import demographic_responses_import, demographic_rows_parse
from hiring.models import Candidate, DemographicResponse
from hiring.services import candidate_erase
from integrations.models import AuditEvent
from tests.factories import CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db

# Distinctive answers, so finding either anywhere on a page or in a payload is a leak.
GENDER, GENDER_LABEL = "non_binary", "Non-binary"
ETHNICITY, ETHNICITY_LABEL = "pacific_islander", "Pacific Islander"
CONSENTED_AT = dt.datetime(2025, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@pytest.fixture
def answered(application):
    """Ada (the fixture application's candidate) answered the survey."""
    return DemographicResponse.objects.create(
        candidate=application.candidate,
        gender=GENDER,
        ethnicity=ETHNICITY,
        consented_at=CONSENTED_AT,
        source="survey",
    )


@pytest.fixture
def demographics_admin(db):
    """A recruiter working in the admin, with the model permissions the demo gives recruiters."""
    user = UserFactory(username="rita_admin", groups=["recruiter"], is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="hiring"))
    return user


def _assert_no_answers(text: str) -> None:
    for value in (GENDER, GENDER_LABEL, ETHNICITY, ETHNICITY_LABEL, "2025-02-03", "survey"):
        assert value not in text


# Never shown --------------------------------------------------------------------------------


def test_the_candidate_profile_and_debrief_never_show_self_reported_answers(
    client, recruiter, committee_member, answered, interview, interviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scorecard = scorecard_save_draft(
            interview=interview,
            user=interviewer,
            recommendation="yes",
            ratings=[RatingInput(area.key, 4) for area in interview.focus_areas.all()],
        )
        scorecard_submit(scorecard=scorecard, user=interviewer)
    application = answered.candidate.applications.get()

    for user in (recruiter, committee_member):
        client.force_login(user)
        for name in ("review:application-profile", "review:application-debrief"):
            response = client.get(reverse(name, args=[application.pk]))
            assert response.status_code == 200
            _assert_no_answers(response.content.decode())


def test_the_candidate_api_never_returns_self_reported_answers(
    session_client, recruiter, token_client, answered
):
    url = f"/api/v1/candidates/{answered.candidate_id}/"

    for client in (session_client(recruiter), token_client(["candidates:read"])):
        response = client.get(url)
        assert response.status_code == 200
        _assert_no_answers(json.dumps(response.json()))
        _assert_no_answers(json.dumps(client.get("/api/v1/candidates/").json()))


def test_the_candidate_has_no_accessor_to_its_answers_so_templates_cannot_reach_them():
    relations = [
        relation
        for relation in Candidate._meta.get_fields(include_hidden=True)
        if getattr(relation, "related_model", None) is DemographicResponse
    ]

    assert relations
    assert all(relation.hidden for relation in relations)


# Erasure -------------------------------------------------------------------------------------


def test_erasing_a_candidate_deletes_their_demographic_response(recruiter, answered):
    other = DemographicResponse.objects.create(
        candidate=CandidateFactory(), gender="woman", consented_at=CONSENTED_AT
    )

    candidate_erase(candidate=answered.candidate, actor=recruiter)

    assert not DemographicResponse.objects.filter(pk=answered.pk).exists()
    assert DemographicResponse.objects.filter(pk=other.pk).exists()


# Model invariants ----------------------------------------------------------------------------


def test_one_response_per_candidate_is_enforced_by_the_database(answered):
    with pytest.raises(IntegrityError):
        DemographicResponse.objects.create(candidate=answered.candidate, consented_at=CONSENTED_AT)


def test_an_unknown_choice_is_refused_by_the_database(application):
    with pytest.raises(IntegrityError):
        DemographicResponse.objects.create(
            candidate=application.candidate, gender="martian", consented_at=CONSENTED_AT
        )


def test_the_response_never_names_the_candidate(answered):
    assert str(answered) == f"demographic response of candidate {answered.candidate_id}"
    assert answered.candidate.name not in str(answered)


# Import --------------------------------------------------------------------------------------


def test_importing_creates_and_replaces_responses_and_audits_only_the_count(recruiter, answered):
    newcomer = CandidateFactory()
    text = (
        "candidate_id,gender,ethnicity,consented_at\n"
        f"{answered.candidate_id},Prefer not to say,,2025-03-01T10:00:00Z\n"
        f"{newcomer.pk},woman,Asian,2025-03-02T09:30:00+01:00\n"
    )

    count = demographic_responses_import(
        rows=demographic_rows_parse(text), source="greenhouse", actor=recruiter
    )

    assert count == 2
    answered.refresh_from_db()
    assert (answered.gender, answered.ethnicity, answered.source) == ("prefer_not_to_say", "", "greenhouse")
    created = DemographicResponse.objects.get(candidate=newcomer)
    assert (created.gender, created.ethnicity) == ("woman", "asian")
    assert created.consented_at == dt.datetime(2025, 3, 2, 8, 30, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="demographics.imported")
    assert event.details == {"responses": 2, "source": "greenhouse"}


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("{id},martian,,2025-03-01T10:00:00Z", "unknown gender choice"),
        ("{id},woman,elvish,2025-03-01T10:00:00Z", "unknown ethnicity choice"),
        ("{id},woman,,", "consented_at must be a date-time with a time zone"),
        ("{id},woman,,2025-03-01T10:00:00", "consented_at must be a date-time with a time zone"),
        ("999999,woman,,2025-03-01T10:00:00Z", "no candidate 999999"),
        ("x,woman,,2025-03-01T10:00:00Z", "candidate_id is not a number"),
    ],
)
def test_a_bad_row_stops_the_whole_import(recruiter, row, problem):
    good, bad = CandidateFactory(), CandidateFactory()
    text = (
        "candidate_id,gender,ethnicity,consented_at\n"
        f"{good.pk},woman,,2025-03-01T10:00:00Z\n" + row.format(id=bad.pk) + "\n"
    )

    with pytest.raises(ApplicationError) as error:
        demographic_responses_import(rows=demographic_rows_parse(text), source="survey", actor=recruiter)

    assert f"line 3: {problem}" in error.value.message
    assert not DemographicResponse.objects.exists()


def test_an_erased_candidate_cannot_be_given_answers_again(recruiter, application):
    candidate_erase(candidate=application.candidate, actor=recruiter)
    text = (
        "candidate_id,gender,ethnicity,consented_at\n"
        f"{application.candidate_id},woman,,2025-03-01T10:00:00Z\n"
    )

    with pytest.raises(ApplicationError, match="was erased"):
        demographic_responses_import(rows=demographic_rows_parse(text), source="survey", actor=recruiter)
    assert not DemographicResponse.objects.exists()


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(ApplicationError, match="consented_at"):
        demographic_rows_parse("candidate_id,gender\n1,woman\n")


# Admin ---------------------------------------------------------------------------------------


def test_the_admin_list_shows_candidate_ids_and_never_names(client, demographics_admin, answered):
    client.force_login(demographics_admin)

    response = client.get(reverse("admin:hiring_demographicresponse_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert answered.candidate.name not in page
    assert answered.candidate.email not in page
    assert f">{answered.candidate_id}<" in page
    assert reverse("admin:hiring_demographicresponse_import") in page


def test_recruiters_import_a_csv_through_the_admin(client, demographics_admin, application):
    client.force_login(demographics_admin)
    upload = SimpleUploadedFile(
        "answers.csv",
        f"candidate_id,gender,ethnicity,consented_at\n{application.candidate_id},man,white,"
        f"{timezone.now().isoformat()}\n".encode(),
        content_type="text/csv",
    )

    response = client.post(
        reverse("admin:hiring_demographicresponse_import"), {"file": upload, "source": "survey"}
    )

    assert response.status_code == 302
    assert DemographicResponse.objects.get(candidate=application.candidate).gender == "man"


def test_a_bad_admin_import_shows_the_problem_and_saves_nothing(client, demographics_admin):
    client.force_login(demographics_admin)
    upload = SimpleUploadedFile("answers.csv", b"candidate_id,gender,consented_at\n123456,woman,\n")

    response = client.post(
        reverse("admin:hiring_demographicresponse_import"), {"file": upload, "source": "survey"}
    )

    assert response.status_code == 200
    assert "no candidate 123456" in response.content.decode()
    assert not DemographicResponse.objects.exists()


def test_staff_without_the_permissions_cannot_import(client, application):
    client.force_login(UserFactory(username="stan_staff", is_staff=True))

    response = client.get(reverse("admin:hiring_demographicresponse_import"))

    assert response.status_code == 403
