"""Interviewer users and their ATS identities through the API, so setting up an integration needs no admin."""

import pytest
from django.contrib.auth import get_user_model

from hiring.models import InterviewerIdentity
from integrations.models import AuditEvent
from tests.factories import OpeningFactory, UserFactory

pytestmark = pytest.mark.django_db

IVAN = {"email": "Ivan.Petrov@example.com", "first_name": "Ivan", "last_name": "Petrov"}
INTERVIEWERS = "/api/v1/interviewers/"
IDENTITIES = "/api/v1/interviewer-identities/"


@pytest.fixture
def admin_token(token_client):
    """A Greenhouse token managing interviewers."""
    return token_client(["interviewers:read", "interviewers:write"])


# Interviewer users ------------------------------------------------------------------------


def test_a_token_creates_an_interviewer_in_the_interviewer_group_without_a_usable_password(admin_token):
    response = admin_token.post(INTERVIEWERS, IVAN, format="json")

    assert response.status_code == 201
    body = response.json()
    user = get_user_model().objects.get(pk=body["id"])
    assert list(user.groups.values_list("name", flat=True)) == ["interviewer"]
    assert not user.has_usable_password()
    assert (user.username, user.email, user.is_active) == ("ivan.petrov@example.com", IVAN["email"], True)
    assert response["Location"] == f"{INTERVIEWERS}{user.pk}/"
    assert "password" not in body
    assert (body["name"], body["identities"]) == ("Ivan Petrov", [])
    assert AuditEvent.objects.filter(action="interviewer.created", target_id=str(user.pk)).exists()


@pytest.mark.parametrize("field", ["password", "password1", "new_password"])
def test_a_password_in_the_body_is_refused_at_its_field_and_nothing_is_created(admin_token, field):
    response = admin_token.post(INTERVIEWERS, {**IVAN, field: "hunter2-hunter2"}, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not get_user_model().objects.filter(email__iexact=IVAN["email"]).exists()


def test_an_interviewer_update_refuses_a_password_too(admin_token, interviewer):
    response = admin_token.patch(f"{INTERVIEWERS}{interviewer.pk}/", {"password": "hunter2"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()["fields"]
    interviewer.refresh_from_db()
    assert interviewer.check_password("pw-for-tests-only")


@pytest.mark.parametrize("email", ["ivan.petrov@example.com", "IVAN.PETROV@EXAMPLE.COM"])
def test_an_email_taken_in_any_letter_case_is_409_email_taken(admin_token, email):
    first = admin_token.post(INTERVIEWERS, IVAN, format="json")

    again = admin_token.post(INTERVIEWERS, {**IVAN, "email": email}, format="json")

    assert first.status_code == 201
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["field"]) == ("email_taken", "email")
    assert get_user_model().objects.filter(email__iexact=email).count() == 1


def test_an_email_of_any_user_not_only_interviewers_counts_as_taken(admin_token, recruiter):
    response = admin_token.post(INTERVIEWERS, {"email": recruiter.email.upper()}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "email_taken")


def test_bad_input_is_400_with_a_message_per_field(admin_token):
    response = admin_token.post(
        INTERVIEWERS,
        {"email": "not-an-email", "first_name": "x" * 151, "is_active": "perhaps"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"email", "first_name", "is_active"}


def test_interviewers_are_listed_in_cursor_pages_with_their_identities(admin_token, interviewer, recruiter):
    InterviewerIdentity.objects.create(user=interviewer, source="greenhouse", external_id="gh-ivan")

    response = admin_token.get(INTERVIEWERS, {"page_size": 1})

    assert response.status_code == 200
    assert set(response.json()) >= {"next", "previous", "results"}
    [row] = response.json()["results"]
    assert row["id"] == interviewer.pk  # the recruiter is not an interviewer
    assert [(i["source"], i["external_id"]) for i in row["identities"]] == [("greenhouse", "gh-ivan")]
    assert admin_token.get(INTERVIEWERS, {"email": interviewer.email.upper()}).json()["results"][0]["id"] == (
        interviewer.pk
    )


def test_a_token_updates_an_interviewer_s_email_and_deactivates_them(admin_token, interviewer):
    response = admin_token.patch(
        f"{INTERVIEWERS}{interviewer.pk}/", {"email": "ivan@new.example", "is_active": False}, format="json"
    )

    assert response.status_code == 200
    interviewer.refresh_from_db()
    assert (interviewer.email, interviewer.is_active) == ("ivan@new.example", False)
    event = AuditEvent.objects.get(action="interviewer.updated")
    assert event.details == {"fields": ["email", "is_active"]}  # field names, never the values


def test_an_update_to_another_user_s_email_is_409(admin_token, interviewer, other_interviewer):
    response = admin_token.patch(
        f"{INTERVIEWERS}{interviewer.pk}/", {"email": other_interviewer.email.upper()}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "email_taken")


@pytest.mark.parametrize("extra_role", ["recruiter group", "committee group", "committee seat", "staff"])
def test_a_person_with_more_than_the_interviewer_role_cannot_be_changed_through_the_api(
    admin_token, extra_role
):
    # Their email is where their sign-in link goes: changing it would hand over a stronger account.
    groups = {
        "recruiter group": ["interviewer", "recruiter"],
        "committee group": ["interviewer", "hiring committee"],
    }
    person = UserFactory(username="mixed_roles", groups=groups.get(extra_role, ["interviewer"]))
    if extra_role == "committee seat":
        OpeningFactory(committee=[person])
    if extra_role == "staff":
        person.is_staff = True
        person.save()

    response = admin_token.patch(
        f"{INTERVIEWERS}{person.pk}/", {"email": "attacker@example.com"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "interviewer_has_other_roles")
    person.refresh_from_db()
    assert person.email == "mixed_roles@example.com"


def test_users_outside_the_interviewer_group_are_not_found(admin_token, recruiter):
    assert admin_token.get(f"{INTERVIEWERS}{recruiter.pk}/").status_code == 404
    assert (
        admin_token.patch(f"{INTERVIEWERS}{recruiter.pk}/", {"first_name": "X"}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", INTERVIEWERS, "interviewers:read"),
        ("post", INTERVIEWERS, "interviewers:write"),
        ("get", IDENTITIES, "interviewers:read"),
        ("post", IDENTITIES, "interviewers:write"),
    ],
)
def test_a_token_without_the_interviewers_scope_gets_403(token_client, method, path, scope):
    others = (
        ["interviewers:read"] if scope == "interviewers:write" else ["candidates:read", "interviews:write"]
    )
    client = token_client(others)

    response = getattr(client, method)(path, IVAN if method == "post" else None, format="json")

    assert response.status_code == 403
    assert response.json() == {"code": "missing_scope", "detail": f"This needs the '{scope}' scope."}


@pytest.mark.parametrize(
    ("persona", "status"), [("recruiter", 201), ("committee_member", 403), ("interviewer", 403)]
)
def test_signed_in_only_recruiters_manage_interviewers(as_user, persona, status):
    response = as_user(persona).post(INTERVIEWERS, IVAN, format="json")

    assert response.status_code == status


# Interviewer identities ---------------------------------------------------------------------


def test_a_token_registers_its_id_for_an_interviewer_in_its_own_source(admin_token, interviewer):
    response = admin_token.post(IDENTITIES, {"user": interviewer.pk, "external_id": "gh-ivan"}, format="json")

    assert response.status_code == 201
    assert response.json() == {
        "id": response.json()["id"],
        "user": interviewer.pk,
        "source": "greenhouse",
        "external_id": "gh-ivan",
    }
    assert InterviewerIdentity.objects.get().user == interviewer


def test_the_registered_id_then_names_the_interviewer_of_a_new_interview(
    token_client, interviewer, application
):
    client = token_client(["interviewers:write", "interviews:write"])
    client.post(IDENTITIES, {"user": interviewer.pk, "external_id": "gh-ivan"}, format="json")

    response = client.post(
        "/api/v1/interviews/",
        {
            "application": application.pk,
            "kind": "technical",
            "scheduled_at": "2026-03-02T09:30:00Z",
            "focus_areas": ["communication"],
            "interviewers": [{"external_id": "gh-ivan"}],
        },
        format="json",
    )

    assert response.status_code == 201
    assert [row["id"] for row in response.json()["interviewers"]] == [interviewer.pk]


def test_a_token_cannot_register_an_identity_in_another_source(admin_token, interviewer):
    response = admin_token.post(
        IDENTITIES, {"user": interviewer.pk, "source": "lever", "external_id": "lv-1"}, format="json"
    )

    assert response.status_code == 403
    assert (response.json()["code"], response.json()["field"]) == ("source_mismatch", "source")
    assert not InterviewerIdentity.objects.exists()


def test_a_taken_id_or_a_second_id_in_one_source_is_409(admin_token, interviewer, other_interviewer):
    admin_token.post(IDENTITIES, {"user": interviewer.pk, "external_id": "gh-ivan"}, format="json")

    same_id = admin_token.post(
        IDENTITIES, {"user": other_interviewer.pk, "external_id": "gh-ivan"}, format="json"
    )
    second_id = admin_token.post(
        IDENTITIES, {"user": interviewer.pk, "external_id": "gh-ivan-2"}, format="json"
    )

    assert (same_id.status_code, same_id.json()["code"], same_id.json()["field"]) == (
        409,
        "interviewer_identity_exists",
        "external_id",
    )
    assert (second_id.status_code, second_id.json()["field"]) == (409, "user")
    assert InterviewerIdentity.objects.count() == 1


def test_an_identity_names_only_a_user_of_the_interviewer_group(admin_token, recruiter):
    response = admin_token.post(IDENTITIES, {"user": recruiter.pk, "external_id": "gh-rita"}, format="json")

    assert response.status_code == 400
    assert "user" in response.json()["fields"]


def test_an_identity_body_with_bad_fields_is_400_per_field(admin_token):
    response = admin_token.post(
        IDENTITIES, {"user": "ivan", "external_id": "", "source": "not a slug"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"user", "external_id", "source"}


def test_a_recruiter_names_the_source_of_an_identity(session_client, recruiter, interviewer):
    client = session_client(recruiter)

    missing = client.post(IDENTITIES, {"user": interviewer.pk, "external_id": "lv-ivan"}, format="json")
    named = client.post(
        IDENTITIES, {"user": interviewer.pk, "source": "lever", "external_id": "lv-ivan"}, format="json"
    )

    assert (missing.status_code, missing.json()["code"]) == (400, "source_required")
    assert (named.status_code, named.json()["source"]) == (201, "lever")


def test_an_identity_is_changed_and_deleted_and_its_source_stays(admin_token, interviewer, other_interviewer):
    created = admin_token.post(
        IDENTITIES, {"user": interviewer.pk, "external_id": "gh-ivan"}, format="json"
    ).json()
    url = f"{IDENTITIES}{created['id']}/"

    moved = admin_token.patch(url, {"source": "lever"}, format="json")
    changed = admin_token.patch(url, {"user": other_interviewer.pk}, format="json")
    deleted = admin_token.delete(url)

    assert (moved.status_code, moved.json()["code"]) == (400, "unknown_field")
    assert changed.status_code == 200
    assert (changed.json()["user"], changed.json()["source"]) == (other_interviewer.pk, "greenhouse")
    assert deleted.status_code == 204
    assert not InterviewerIdentity.objects.exists()
    assert admin_token.get(url).status_code == 404


def test_a_token_neither_sees_nor_changes_another_source_s_identities(admin_token, interviewer):
    lever = InterviewerIdentity.objects.create(user=interviewer, source="lever", external_id="lv-ivan")
    url = f"{IDENTITIES}{lever.pk}/"

    answers = [
        admin_token.get(url).status_code,
        admin_token.patch(url, {"external_id": "stolen"}, format="json").status_code,
        admin_token.delete(url).status_code,
    ]

    assert answers == [404, 404, 404]
    assert admin_token.get(IDENTITIES).json()["results"] == []
    assert admin_token.get(f"{INTERVIEWERS}{interviewer.pk}/").json()["identities"] == []
    lever.refresh_from_db()
    assert lever.external_id == "lv-ivan"
