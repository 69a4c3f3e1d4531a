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
