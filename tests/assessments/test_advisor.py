import itertools

import pytest

from assessments.advisor import advise, advisor_answers_clean
from config.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(rubric_version):
    role_names = {profile.role.key: profile.role.name for profile in rubric_version.profiles.all()}

    def ask(**raw):
        answers = advisor_answers_clean(questions=rubric_version.advisor["questions"], raw=raw)
        return advise(
            advisor=rubric_version.advisor,
            role_names=role_names,
            documents=rubric_version.documents,
            answers=answers,
        )

    return ask


@pytest.mark.parametrize(
    ("situation", "hire_first", "quote"),
    [
        (
            {"team_type": "other", "primary_need": "explore"},
            "data_scientist",
            "Need to explore data and find insights",
        ),
        (
            {"team_type": "other", "primary_need": "deploy"},
            "ml_engineer",
            "Need to deploy models to production",
        ),
        (
            {"team_type": "startup", "primary_need": "both", "first_ml_product": "true"},
            "full_stack_data_scientist",
            "Startup building first ML product",
        ),
        (
            {"team_type": "enterprise", "primary_need": "deploy", "has_data_science_team": "yes"},
            "ml_engineer",
            "Enterprise with existing data science team",
        ),
        ({"team_type": "research", "primary_need": "explore"}, "data_scientist", "Research-focused team"),
    ],
)
def test_the_comparison_pages_recommendations_answer_as_rules(ask, situation, hire_first, quote):
    advice = ask(**situation)

    assert advice.hire_first == hire_first
    assert quote in advice.reasons[0].statement
    assert advice.reasons[0].document_file == "000_4b3c510425667054.txt"
    assert advice.reasons[0].document_title.startswith("ML Engineer vs Data Scientist: Complete Comparison")


def test_every_situation_gets_an_answer(rubric_version, ask):
    questions = rubric_version.advisor["questions"]
    for team_type, need, has_ds, first in itertools.product(
        questions["team_type"]["choices"], questions["primary_need"]["choices"], ["yes", "no"], ["yes", "no"]
    ):
        advice = ask(
            team_type=team_type, primary_need=need, has_data_science_team=has_ds, first_ml_product=first
        )
        assert advice is not None, (team_type, need, has_ds, first)
        assert advice.reasons


def test_a_missing_choice_is_an_error_at_its_field(ask):
    with pytest.raises(ApplicationError) as caught:
        ask(team_type="startup")

    assert (caught.value.code, caught.value.field) == ("answer_required", "primary_need")


def test_an_invalid_choice_is_an_error_at_its_field(ask):
    with pytest.raises(ApplicationError) as caught:
        ask(team_type="unicorn", primary_need="explore")

    assert (caught.value.code, caught.value.field) == ("invalid_answer", "team_type")


def test_advisor_api_answers_with_quoted_reasons(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("hm"))

    response = client.get(
        "/api/v1/advisor/", {"team_type": "startup", "primary_need": "both", "first_ml_product": "true"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["hire_first"] == {"key": "full_stack_data_scientist", "name": "Full-stack Data Scientist"}
    assert body["reasons"][0]["statement"].startswith("Startup building first ML product")


def test_advisor_api_rejects_bad_answers_with_a_machine_code(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("hm"))

    response = client.get("/api/v1/advisor/", {"team_type": "unicorn", "primary_need": "explore"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answer"
    assert response.json()["field"] == "team_type"


def test_advisor_page_shows_the_answer_and_its_source(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("hm"))

    response = client.get("/advisor/", {"team_type": "other", "primary_need": "deploy"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Hire first: Machine Learning Engineer" in html
    assert "Need to deploy models to production" in html


def test_advisor_page_shows_errors_at_the_field(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("hm"))

    response = client.get("/advisor/", {"team_type": "other"})

    html = response.content.decode()
    assert 'id="id_primary_need-error"' in html
    assert "This field is required." in html
    assert "Hire first" not in html


def test_an_empty_yes_or_no_answer_is_an_error_at_its_field_not_a_no(ask):
    # The schema says boolean: "?first_ml_product=" is neither, as an empty datetime parameter is no date.
    with pytest.raises(ApplicationError) as caught:
        ask(team_type="startup", primary_need="both", first_ml_product="")

    assert (caught.value.code, caught.value.field) == ("invalid_answer", "first_ml_product")


def test_advise_me_with_nothing_ticked_asks_for_an_answer_and_recommends_nothing(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("hm"))
    first_visit = client.get("/advisor/").content.decode()

    # With nothing ticked the browser sends only the form's own marker.
    response = client.get("/advisor/", {"asked": "1"})

    html = response.content.decode()
    assert '<input type="hidden" name="asked" value="1">' in first_visit
    assert "error-summary" not in first_visit
    assert 'id="error-summary"' in html
    assert 'id="id_team_type-error"' in html
    assert 'id="id_primary_need-error"' in html
    assert "Hire first" not in html
    assert "Also consider" not in html
    assert response.context["advice"] is None
