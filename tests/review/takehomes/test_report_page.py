"""The take-home report page and the report on the profile: who may read it and what it shows."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from hiring.models import Interview
from tests.scoring.conftest import submit
from tests.takehomes.conftest import ds_exercise  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
DASH = "\N{EN DASH}"
HIDDEN = "hidden until you submit your own scorecard"


def report_url(take_home) -> str:
    return reverse("review:take-home-report", args=[take_home.pk])


def profile_url(application) -> str:
    return reverse("review:application-profile", args=[application.pk])


def text_of(response) -> str:
    """The page's text, tags dropped and spaces collapsed, for reading sentences across markup."""
    html = re.sub(r"<svg\b.*?</svg>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(response, table_class: str, key_attribute: str, key: str) -> str:
    html = response.content.decode()
    table = re.search(rf'<table class="[^"]*{table_class}[^"]*".*?</table>', html, re.S).group(0)
    row = re.search(rf'<tr {key_attribute}="{key}".*?</tr>', table, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


# Who may read it ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "sees_report"),
    [
        ("recruiter", 200, True),
        ("committee_member", 200, True),
        ("other_committee", 404, False),
        ("interviewer_before_submitting", 200, False),
        ("interviewer_after_submitting", 200, True),
        ("outsider", 404, False),
    ],
)
def test_the_report_follows_the_scorecards_independence_rule(
    client, personas, graded, interview, persona, status, sees_report
):
    take_home, _ = graded()
    if persona.startswith("interviewer"):
        user = personas["interviewer"]
        if persona == "interviewer_after_submitting":
            submit(
                interview,
                user,
                {"software_engineering": 3, "statistics_experimentation": 4, "communication": 3},
            )
    else:
        user = personas[persona]
    client.force_login(user)

    response = client.get(report_url(take_home))

    assert response.status_code == status
    if status == 200:
        page = text_of(response)
        assert ("Metrics on the hidden test set" in page) is sees_report
        assert (HIDDEN in page) is not sees_report


def test_anonymous_visitors_are_sent_to_log_in(client, graded):
    take_home, _ = graded()

    response = client.get(report_url(take_home))

    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_an_unknown_take_home_is_404(client, recruiter):
    client.force_login(recruiter)

    assert client.get("/review/take-homes/999999/").status_code == 404


def test_an_interviewer_of_another_application_gets_404(client, graded, other_interviewer, second_interview):
    """``other_interviewer`` interviews Ada too; an interviewer of someone else's application does not."""
    from tests.factories import ApplicationFactory, InterviewFactory, UserFactory

    take_home, _ = graded()
    stranger = UserFactory(username="stan_stranger", groups=["interviewer"])
    InterviewFactory(
        application=ApplicationFactory(opening=take_home.application.opening), interviewers=[stranger]
    )
    client.force_login(stranger)

    assert client.get(report_url(take_home)).status_code == 404
    client.force_login(other_interviewer)
    assert client.get(report_url(take_home)).status_code == 200


# What it shows ------------------------------------------------------------------------------------------


def test_the_report_shows_metrics_with_intervals_and_the_confusion_matrix(client, recruiter, graded):
    take_home, _ = graded()
    client.force_login(recruiter)

    response = client.get(report_url(take_home))

    assert row_of(response, "metrics-table", "data-metric", "f1") == f"F1 0.928 0.879{DASH}0.968"
    assert row_of(response, "metrics-table", "data-metric", "roc_auc") == f"ROC AUC 0.991 0.982{DASH}1.000"
    page = text_of(response)
    assert "171 test rows" in page
    assert "Truly malignant 58 true positives 6 false negatives" in page
    assert "Truly benign 3 false positives 104 true negatives" in page
    assert "Graded automatically" in page


def test_the_model_measurements_are_listed_and_a_missed_budget_is_said_plainly(client, recruiter, graded):
    take_home, _ = graded()
    client.force_login(recruiter)

    page = text_of(client.get(report_url(take_home)))

    assert "Median latency (p50, one row) 0.41 ms" in page
    assert "95th-percentile latency (one row) 7.2 ms" in page
    assert "Memory the model takes 143.5 MB" in page
    assert "Whole runner peak, runtime included 211.2 MB" in page
    assert "Parameters 62" in page
    assert "Producer skl2onnx 1.17.0" in page
    assert "ONNX opset 17 (ai.onnx.ml 3)" in page
    assert "Over a limit:" in page
    assert "95th-percentile latency: measured 7.2 ms, budget at most 5 ms: missed." in page


def test_a_model_that_exceeded_its_time_limit_is_reported_as_such(client, recruiter, graded):
    take_home, _ = graded(
        run={"status": "exceeded_time", "error": "wall", "limits": {"wall_seconds": 120, "cpu_seconds": 60}}
    )
    client.force_login(recruiter)

    page = text_of(client.get(report_url(take_home)))

    assert "Run: Exceeded the time limit" in page
    assert (
        "The model run: Exceeded the time limit (120 s wall clock, 60 s CPU); "
        "its latency and memory were not measured." in page
    )


def test_every_contract_item_has_its_claim_measurement_budget_and_verdicts_in_words(
    client, recruiter, graded
):
    take_home, report = graded()
    client.force_login(recruiter)

    response = client.get(report_url(take_home))

    assert (
        len(re.findall(r'<tr data-item="', response.content.decode())) == len(report.contract["items"]) == 12
    )
    f1 = row_of(response, "contract-table", "data-item", "f1")
    assert f1.startswith(
        f"F1 0.990 0.928 (95% interval 0.879{DASH}0.968) at least 0.900 Over-claimed: better than measured"
    )
    assert f1.endswith("Met")
    latency = row_of(response, "contract-table", "data-item", "latency_p95_ms")
    assert latency.startswith("95th-percentile latency 2 ms 7.2 ms at most 5 ms Over-claimed")
    assert latency.endswith("Missed")
    assert row_of(response, "contract-table", "data-item", "precision").startswith(
        f"Precision not stated 0.951 (95% interval 0.892{DASH}1.000) none Not stated No budget"
    )
    assert "Holds: agrees with the measurement" in row_of(
        response, "contract-table", "data-item", "framework"
    )
    assert row_of(response, "contract-table", "data-item", "data_split").startswith(
        "Data split Stratified 80/20 split of train.csv, seed 7 not measured none Stated (not measurable)"
    )
    page = text_of(response)
    assert "Completeness 9 of 12 items stated (75%)" in page
    honesty = report.contract["honesty"]
    assert f"Honesty {round(honesty * 100)}% of the checked claims hold" in page
    assert "Budgets 3 of 4 met" in page


def test_the_levels_each_area_got_are_shown_with_their_reasons(client, recruiter, graded):
    take_home, report = graded()
    client.force_login(recruiter)

    response = client.get(report_url(take_home))

    row = row_of(response, "levels-table", "data-area", "ml_modelling")
    level = report.levels["ml_modelling"]
    assert row == f"ML modelling and algorithm choice {level['level']} {level['reason']}"
    assert level["reason"].startswith("F1 0.928 gives level 3")
    assert "Production deployment" in row_of(response, "levels-table", "data-area", "production_deployment")


def test_copy_flags_name_the_other_candidate_as_they_are_now_and_say_a_person_should_look(
    client, recruiter, graded, mle_exercise
):
    from tests.factories import ApplicationFactory
    from tests.review.takehomes.conftest import take_home_make

    other = take_home_make(ApplicationFactory(candidate__name="Grace Hopper"), mle_exercise)
    flag = {"kind": "near_identical_predictions", "take_home": other.pk, "agreement": 0.994}
    take_home, _ = graded(flags=[flag])
    client.force_login(recruiter)

    page = text_of(client.get(report_url(take_home)))

    assert (
        f"Near-identical predictions to Grace Hopper's take-home (no. {other.pk}): "
        "99% of test rows labelled alike." in page
    )
    assert "a flag is not a finding" in page


def test_a_copy_flag_names_nobody_to_a_reader_who_may_not_see_the_other_take_home(
    client, committee_member, graded, mle_exercise
):
    from tests.factories import ApplicationFactory
    from tests.review.takehomes.conftest import take_home_make

    elsewhere = take_home_make(ApplicationFactory(candidate__name="Grace Hopper"), mle_exercise)
    take_home, _ = graded(flags=[{"kind": "identical_predictions", "take_home": elsewhere.pk}])
    client.force_login(committee_member)

    page = text_of(client.get(report_url(take_home)))

    assert "Grace Hopper" not in page
    assert "another candidate" in page


def test_without_flags_the_report_says_there_are_none(client, recruiter, graded):
    take_home, _ = graded()
    client.force_login(recruiter)

    assert "No copy flags" in text_of(client.get(report_url(take_home)))


def test_the_chart_draws_each_metric_interval_with_the_claim_as_a_mark(client, recruiter, graded):
    take_home, _ = graded()
    client.force_login(recruiter)

    html = client.get(report_url(take_home)).content.decode()

    wide = ET.fromstring(re.search(r"<svg\b[^>]*claim-chart-wide.*?</svg>", html, re.S).group(0))  # noqa: S314
    assert wide.get("role") == "img"
    title_id, _desc_id = wide.get("aria-labelledby").split()
    assert wide.find(f"{SVG}title").get("id") == title_id
    assert "axis runs from" in wide.find(f"{SVG}desc").text
    rows = {row.get("data-metric"): row for row in wide.iter(f"{SVG}g") if row.get("class") == "chart-row"}
    assert list(rows) == ["accuracy", "precision", "sensitivity", "f1"]
    f1 = rows["f1"]
    bar = next(el for el in f1 if el.get("class") == "chart-interval")
    assert (float(bar.get("data-lower")), float(bar.get("data-upper"))) == (0.8785, 0.9683)
    claim = next(el for el in f1 if el.get("class") == "chart-claimed")
    assert float(claim.get("data-claimed")) == 0.99
    assert next(el for el in f1 if el.get("class") == "chart-budget").get("data-budget") == "0.9"
    assert "claimed 0.990 (over-claimed)" in f1.find(f"{SVG}title").text
    assert any(el.get("class") == "chart-unclaimed" for el in rows["precision"])
    # The domain reaches below the lowest interval end; the claim's x sits right of the bar's end.
    assert float(wide.get("data-domain-min")) <= 0.8333
    claim_x = float(claim.get("points").split()[0].split(",")[0])
    assert claim_x > float(bar.get("x")) + float(bar.get("width"))
    assert f'id="take-home-{take_home.pk}-chart-narrow"' in html


def test_a_take_home_not_graded_yet_shows_its_status_and_no_report(
    client, recruiter, application, mle_exercise
):
    from tests.review.takehomes.conftest import take_home_make

    take_home = take_home_make(application, mle_exercise)
    client.force_login(recruiter)

    page = text_of(client.get(report_url(take_home)))

    assert "Status Sent, not opened yet" in page
    assert "Metrics on the hidden test set" not in page


# On the profile -----------------------------------------------------------------------------------------


def test_the_profile_shows_the_report_and_marks_the_graders_scorecard_and_levels(
    client, committee_member, graded
):
    take_home, report = graded()
    client.force_login(committee_member)

    response = client.get(profile_url(take_home.application))

    page = text_of(response)
    assert "Take-homes" in page
    assert "Metrics on the hidden test set" in page
    assert "Take-home (graded automatically) automated" in page
    assert "Recorded by the automated take-home grader" in page
    assert report_url(take_home) in response.content.decode()
    level = report.levels["ml_modelling"]["level"]
    assert f"take-home: {level}, automated (graded automatically)" in row_of(
        response, "skill-table", "data-area", "ml_modelling"
    )
    assert "take-home" not in row_of(response, "skill-table", "data-area", "communication")
    assert "Evidence from the take-home, graded automatically, counts in" in page


def test_the_graders_scorecard_is_the_take_home_interviews(graded):
    _, report = graded()

    assert report.scorecard.interview.kind == Interview.Kind.TAKE_HOME
    assert report.scorecard.interviewer.username == "take-home-grader"


def test_a_data_scientist_take_home_has_no_model_section(client, recruiter, graded, ds_exercise):  # noqa: F811
    take_home, _ = graded(exercise=ds_exercise)
    client.force_login(recruiter)

    page = text_of(client.get(report_url(take_home)))

    assert "The model, as run on our side" not in page
    assert "No model was run, so the claim could not be checked." in page
