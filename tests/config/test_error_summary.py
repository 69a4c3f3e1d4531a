"""The rule for every form: a failed submit answers with an error summary at the top of the page,
rendered by the server, whose links lead to inputs that exist on the page; nothing is written.
Long texts say their limit ("Up to N characters") for the script's counter to count down from."""

import re

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.urls import reverse

from assessments.models import Scorecard
from config.forms import ErrorSummaryItem, LongTextField, error_summary_items, forms_with_errors
from hiring.models import Decision
from scoring.models import Shortlist
from tests.assessments.test_scorecard_pages import complete_post, submitted_by

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r'<div class="error-summary" id="error-summary" tabindex="-1" role="alert".*?</div>', re.S
)


def summary_of(html: str) -> str:
    found = SUMMARY.findall(html)
    assert len(found) == 1, "one error summary"
    return found[0]


def summary_links(html: str) -> list[str]:
    return re.findall(r'<a href="#([^"]+)">', summary_of(html))


def ids_on(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', html)


def assert_summary_rule(html: str, *, links: list[str]) -> None:
    """At the top of the page (before the first heading of its content), focusable, linking to inputs."""
    summary = summary_of(html)
    assert "There is a problem" in summary
    assert html.index(summary) < html.index("<h1")
    assert re.search(r"<title>Error: ", html)
    assert summary_links(html) == links
    ids = ids_on(html)
    for target in links:
        assert ids.count(target) == 1, f"#{target} is one element of the page"


# The summary's items --------------------------------------------------------------------------------------


class SampleForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    rationale = LongTextField(label="Rationale", max_length=20)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    question = forms.ChoiceField(label="Which team?", choices=[("x", "X")], widget=forms.RadioSelect)

    def clean(self):
        raise forms.ValidationError("The opening is closed.")


def test_the_summary_lists_the_forms_own_errors_first_then_each_fields_linked_to_its_input():
    form = SampleForm(data={"outcome": "z", "rationale": "", "revision": ""})

    items = error_summary_items([form])

    assert items == [
        ErrorSummaryItem("The opening is closed."),
        ErrorSummaryItem(
            "Decision: Select a valid choice. z is not one of the available choices.", "id_outcome_0"
        ),
        ErrorSummaryItem("Rationale: This field is required.", "id_rationale"),
        ErrorSummaryItem("Revision: This field is required."),  # a hidden input: nothing to focus
        ErrorSummaryItem("Which team? This field is required.", "id_question_0"),
    ]


def test_a_message_that_names_its_field_is_not_prefixed_with_the_label():
    class Form(forms.Form):
        recommendation = forms.CharField(
            label="Overall recommendation", error_messages={"required": "Give an overall recommendation."}
        )

    assert error_summary_items([Form(data={})]) == [
        ErrorSummaryItem("Give an overall recommendation.", "id_recommendation")
    ]


def test_only_bound_forms_with_errors_are_summarised_each_once():
    broken, fine, unbound = SampleForm(data={}), forms.Form(data={}), SampleForm()

    assert forms_with_errors([broken, fine, unbound, broken, "text", None]) == [broken]


def test_a_long_text_counts_line_breaks_as_the_browser_does():
    # Browsers count a line break as one character against maxlength but send it as CR LF.
    form = SampleForm(data={"rationale": "a\r\n" * 10})

    form.is_valid()

    assert "rationale" not in form.errors
    assert form.cleaned_data["rationale"] == ("a\n" * 10).strip()


# Every product form -----------------------------------------------------------------------------------


def test_a_decision_submitted_empty_is_summarised_at_the_top_and_writes_nothing(
    client, recruiter, application
):
    client.force_login(recruiter)

    response = client.post(f"/review/applications/{application.pk}/decision/", {})

    assert response.status_code == 400
    html = response.content.decode()
    assert_summary_rule(html, links=["id_outcome_0", "id_rationale"])
    assert "Decision: Choose advance, hold or reject." in summary_of(html)
    assert 'id="id_outcome-error"' in html
    assert 'id="id_rationale-error"' in html
    assert not Decision.objects.exists()


def test_a_scorecard_reviewed_incomplete_is_summarised_and_nothing_is_submitted(
    client, interview, interviewer
):
    client.force_login(interviewer)

    response = client.post(
        f"/interviews/{interview.pk}/scorecard/",
        complete_post(rating_statistics_experimentation="", recommendation=""),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert_summary_rule(html, links=["id_rating_statistics_experimentation_0", "id_recommendation_0"])
    assert Scorecard.objects.get(interview=interview).status == "draft"  # kept as a draft, not submitted


def test_a_scorecard_with_a_rating_off_the_scale_is_summarised_and_saves_nothing(
    client, interview, interviewer
):
    client.force_login(interviewer)

    response = client.post(f"/interviews/{interview.pk}/scorecard/", complete_post(rating_communication="7"))

    assert response.status_code == 400
    assert_summary_rule(response.content.decode(), links=["id_rating_communication_0"])
    assert not Scorecard.objects.exists()


def test_an_amendment_without_a_reason_is_summarised_at_the_top_and_changes_nothing(
    client, interview, interviewer
):
    scorecard = submitted_by(interview, interviewer)
    client.force_login(interviewer)
    data = complete_post(rating_software_engineering="2", recommendation="no", revision="1", reason="")
    del data["action"]

    response = client.post(f"/scorecards/{scorecard.pk}/amend/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert_summary_rule(html, links=["id_reason"])
    assert "Give the reason for amending the scorecard." in summary_of(html)
    scorecard.refresh_from_db()
    assert (scorecard.revision, scorecard.recommendation) == (1, "strong_yes")


def test_a_bad_snapshot_request_is_summarised_with_a_link_to_its_field_and_creates_nothing(
    client, recruiter, opening
):
    client.force_login(recruiter)

    response = client.post(
        reverse("review:shortlist-create", args=[opening.pk]), {"order_by": "fit", "min_coverage": "150"}
    )

    assert response.status_code == 400
    assert_summary_rule(response.content.decode(), links=["id_min_coverage"])
    assert not Shortlist.objects.exists()


def test_the_advisor_asked_with_nothing_ticked_is_summarised(client, recruiter, rubric_version):
    client.force_login(recruiter)

    html = client.get("/advisor/", {"asked": "1"}).content.decode()

    assert_summary_rule(html, links=["id_team_type_0", "id_primary_need_0"])


def test_a_failed_sign_in_is_summarised_without_a_link(client, django_user_model):
    django_user_model.objects.create_user(username="ada", password="correct horse battery")

    html = client.post("/accounts/login/", {"username": "ada", "password": "wrong"}).content.decode()

    assert_summary_rule(html, links=[])
    assert "Please enter a correct username and password." in summary_of(html)


def test_a_sign_in_with_nothing_typed_links_to_both_fields(client):
    html = client.post("/accounts/login/", {}).content.decode()

    assert_summary_rule(html, links=["id_username", "id_password"])


def test_a_page_whose_forms_have_no_errors_has_no_summary(client, recruiter, application):
    client.force_login(recruiter)

    html = client.get(f"/review/applications/{application.pk}/").content.decode()

    assert "error-summary" not in html
    assert "<title>Error" not in html


def test_every_page_loads_the_forms_script_from_our_own_static_files_deferred(client):
    html = client.get("/accounts/login/").content.decode()

    assert '<script src="/static/js/forms.js" defer></script>' in html
    assert finders.find("js/forms.js")


# Long texts -----------------------------------------------------------------------------------------------


def test_the_rationale_says_its_limit_and_is_described_by_it(client, recruiter, application):
    client.force_login(recruiter)

    html = client.get(f"/review/applications/{application.pk}/").content.decode()

    textarea = re.search(r'<textarea name="rationale"[^>]*>', html)[0]
    assert 'maxlength="10000"' in textarea
    assert 'aria-describedby="id_rationale-help id_rationale-hint"' in textarea
    assert '<span class="muted help char-hint" id="id_rationale-hint">Up to 10,000 characters.</span>' in html
    assert 'data-char-count-for="id_rationale"' in html
    live = '<span class="visually-hidden" data-char-count-status-for="id_rationale" aria-live="polite">'
    assert live in html


def test_the_scorecards_long_texts_say_their_limits(client, interview, interviewer):
    scorecard = submitted_by(interview, interviewer)
    client.force_login(interviewer)

    html = client.get(f"/scorecards/{scorecard.pk}/amend/").content.decode()

    for area in interview.focus_areas.all():
        assert f'id="id_evidence_{area.key}-hint">Up to 10,000 characters.' in html
    assert 'id="id_summary-hint">Up to 10,000 characters.' in html
    assert 'id="id_reason-hint">Up to 2,000 characters.' in html
    assert 'maxlength="2000"' in re.search(r'<textarea name="reason"[^>]*>', html)[0]
