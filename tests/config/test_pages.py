from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_renders_for_anonymous_visitors(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Structured interview scoring for data roles" in response.content


def test_login_page_ties_labels_to_inputs(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert 'id="id_username"' in html
    assert '<label for="id_password">' in html


def test_user_can_log_in_and_out(client, django_user_model):
    django_user_model.objects.create_user(username="ada", password="correct horse battery")

    response = client.post("/accounts/login/", {"username": "ada", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "ada"

    client.post("/accounts/logout/")
    assert client.get("/").context["user"].is_anonymous


# Where signing in lands ----------------------------------------------------------------------


def sign_in(client, user, **extra):
    credentials = {"username": user.username, "password": "pw-for-tests-only"}
    return client.post("/accounts/login/", {**credentials, **extra})


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("interviewer", "/interviews/"),
        ("committee_member", "/review/openings/"),
        ("recruiter", "/review/openings/"),
    ],
)
def test_signing_in_lands_on_the_personas_own_start_page(client, request, persona, landing):
    user = request.getfixturevalue(persona)

    signed_in = sign_in(client, user)
    landed = client.get(signed_in["Location"])

    assert signed_in.status_code == 302
    assert landed.status_code == 302
    assert landed["Location"] == landing
    assert client.get(landing).status_code == 200


def test_an_interviewer_who_sits_on_a_committee_lands_on_openings(client, interviewer):
    from tests.factories import OpeningFactory

    OpeningFactory(committee=[interviewer])

    landed = client.get(sign_in(client, interviewer)["Location"])

    assert landed["Location"] == "/review/openings/"


def test_someone_in_no_role_lands_on_the_home_page(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="pw-for-tests-only")

    landed = client.get(sign_in(client, user)["Location"])

    assert landed["Location"] == "/"


@pytest.mark.parametrize("persona", ["interviewer", "committee_member", "recruiter"])
def test_signing_in_follows_a_safe_next(client, request, persona):
    signed_in = sign_in(client, request.getfixturevalue(persona), next="/roles/")

    assert signed_in["Location"] == "/roles/"


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/roles/", "javascript:alert(1)"])
def test_an_unsafe_next_is_ignored_for_the_start_page(client, interviewer, unsafe):
    signed_in = sign_in(client, interviewer, next=unsafe)
    start = client.get(signed_in["Location"])
    start_with_next = client.get("/accounts/start/", {"next": unsafe})

    assert signed_in["Location"] == "/accounts/start/"
    assert start["Location"] == start_with_next["Location"] == "/interviews/"


def test_the_start_page_needs_a_signed_in_person(client):
    response = client.get("/accounts/start/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# The favicon ----------------------------------------------------------------------------------


def test_favicon_ico_is_served_from_the_static_files(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    icon = Path(finders.find("favicon.ico")).read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert icon.count(b"\x89PNG") == 3  # 16, 32 and 48 px


def test_every_page_links_its_icon(client):
    from django.contrib.staticfiles import finders

    html = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/favicon.ico"' in html
    assert finders.find("favicon.svg")
