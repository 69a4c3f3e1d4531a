"""The candidate profile, the decision form and the debrief: who sees them, what they show and write."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext

from assessments.models import ProfileEntry
from assessments.services import RatingInput, scorecard_amend, scorecard_save_draft
from hiring.models import Decision
from integrations.models import AuditEvent, Event
from scoring.engine import Z80
from scoring.models import ApplicationScoreState
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory
from tests.scoring.conftest import AREAS, store_fit, submit

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def profile_url(application) -> str:
    return f"/review/applications/{application.pk}/"


def decision_url(application) -> str:
    return f"/review/applications/{application.pk}/decision/"


def debrief_url(application) -> str:
    return f"/review/applications/{application.pk}/debrief/"


def chart_of(response) -> ET.Element:
    markup = re.search(r"<svg\b.*?</svg>", response.content.decode(), re.S).group(0)
    return ET.fromstring(markup)  # noqa: S314 - our own page's markup


@pytest.fixture
def scored(scored_opening, committee_member):
    """A scored ML-engineer opening with the committee member on its committee; its second application."""
    opening, applications, lenient, neutral = scored_opening(4)
    opening.committee.add(committee_member)
    return opening, applications[1], lenient, neutral


@pytest.fixture
def personas(recruiter, committee_member, interviewer, outsider, interview):
    """Users by name for the permission matrix; ``interviewer`` interviewed ``application``'s candidate."""
    other_committee = UserFactory(username="cody_other_committee", groups=["hiring committee"])
    OpeningFactory(title="Another opening", committee=[other_committee])
    return {
        "recruiter": recruiter,
        "committee_member": committee_member,
        "other_committee": other_committee,
        "interviewer": interviewer,
        "outsider": outsider,
        "no_role": UserFactory(username="nora_no_role"),
    }


# Permissions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [profile_url, debrief_url])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("recruiter", 200),
        ("committee_member", 200),
        ("other_committee", 404),
        ("interviewer", 404),
        ("outsider", 404),
        ("no_role", 404),
    ],
)
def test_only_recruiters_and_the_openings_committee_see_the_profile_and_debrief(
    client, personas, application, url, persona, status
):
    client.force_login(personas[persona])

    response = client.get(url(application))

    assert response.status_code == status


@pytest.mark.parametrize("url", [profile_url, debrief_url, decision_url])
def test_anonymous_visitors_are_sent_to_log_in(client, application, url):
    response = client.get(url(application))

    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))


def test_an_unknown_application_is_404(client, recruiter):
    client.force_login(recruiter)

    assert client.get("/review/applications/999999/").status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("recruiter", 302),
        ("committee_member", 302),
        ("other_committee", 404),
        ("interviewer", 404),
        ("outsider", 404),
        ("no_role", 404),
    ],
)
def test_only_recruiters_and_the_openings_committee_may_decide(
    client, personas, application, persona, status
):
    client.force_login(personas[persona])

    response = client.post(decision_url(application), {"outcome": "advance", "rationale": "Strong evidence."})

    assert response.status_code == status
    assert Decision.objects.filter(application=application).exists() is (status == 302)


def test_an_anonymous_post_records_no_decision(client, application):
    response = client.post(decision_url(application), {"outcome": "advance", "rationale": "Strong evidence."})

    assert response.status_code == 302
    assert not Decision.objects.exists()


def test_the_decision_endpoint_only_accepts_posts(client, recruiter, application):
    client.force_login(recruiter)

    assert client.get(decision_url(application)).status_code == 405


# The chart and its table ------------------------------------------------------------------------------


def test_the_charts_dots_encode_the_stored_estimates_exactly(client, committee_member, scored):
    _opening, application, *_ = scored
    stored = ApplicationScoreState.objects.get(application=application).estimates
    client.force_login(committee_member)

    root = chart_of(client.get(profile_url(application)))

    left, right = float(root.get("data-plot-left")), float(root.get("data-plot-right"))
    low, high = float(root.get("data-domain-min")), float(root.get("data-domain-max"))
    dots = {
        dot.get("data-area"): dot
        for dot in root.iter(f"{SVG}circle")
        if "chart-estimate" in (dot.get("class") or "").split()
    }
    # Areas nobody rated have a posterior too (a prediction): the chart draws measurements only.
    assessed = {area: values for area, values in stored.items() if values[2] > 0}
    assert set(dots) == set(assessed) == set(AREAS)
    for area, (estimate, standard_error, n_ratings) in assessed.items():
        dot = dots[area]
        assert float(dot.get("data-estimate")) == estimate
        assert float(dot.get("data-standard-error")) == standard_error
        assert int(dot.get("data-n-ratings")) == n_ratings == 2
        assert float(dot.get("cx")) == pytest.approx(
            left + (estimate - low) / (high - low) * (right - left), abs=1e-3
        )


def test_the_chart_marks_the_opening_roles_expected_levels_and_minimums(client, committee_member, scored):
    opening, application, *_ = scored
    entries = ProfileEntry.objects.filter(profile__version=opening.rubric_version, profile__role=opening.role)
    client.force_login(committee_member)

    root = chart_of(client.get(profile_url(application)))

    rows = {g.get("data-area"): g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row"}
    assert set(rows) == {entry.area.key for entry in entries}
    for entry in entries.select_related("area"):
        row = rows[entry.area.key]
        assert row.find(f"{SVG}polygon").get("data-expected") == str(entry.expected_level)
        minimum = [
            line.get("data-minimum")
            for line in row.iter(f"{SVG}line")
            if line.get("class") == "chart-minimum"
        ]
        assert minimum == ([] if entry.minimum_level is None else [str(entry.minimum_level)])


def test_areas_nobody_assessed_are_shown_as_not_assessed_not_zero(client, committee_member, scored):
    _opening, application, *_ = scored
    client.force_login(committee_member)

    response = client.get(profile_url(application))

    root = chart_of(response)
    missing = [
        g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-row" and g.get("data-area") not in AREAS
    ]
    assert missing, "the ML engineer profile has areas the fixture's interviews do not cover"
    for row in missing:
        assert row.find(f"{SVG}circle") is None
        assert [t.text for t in row.iter(f"{SVG}text") if t.get("class") == "chart-missing"] == [
            "not assessed"
        ]
        table_row = re.search(
            rf'<tr data-area="{row.get("data-area")}">.*?</tr>', response.content.decode(), re.S
        )
        assert "Not assessed" in table_row.group(0)


def test_the_table_fallback_gives_the_same_numbers(client, committee_member, scored):
    _opening, application, *_ = scored
    stored = ApplicationScoreState.objects.get(application=application).estimates
    client.force_login(committee_member)

    html = client.get(profile_url(application)).content.decode()

    table = re.search(r'<table class="skill-table".*?</table>', html, re.S).group(0)
    for area, (estimate, standard_error, n_ratings) in stored.items():
        row = re.search(rf'<tr data-area="{area}">(.*?)</tr>', table, re.S).group(1)
        if not n_ratings:
            assert area not in AREAS
            assert "Not assessed" in row
            continue
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        assert cells[0] == f"{estimate:.2f}"
        assert cells[1] == f"{standard_error:.2f}"
        lower, upper = estimate - Z80 * standard_error, estimate + Z80 * standard_error
        assert cells[2] == f"{lower:.2f} \N{EN DASH} {upper:.2f}"
        assert cells[3] == str(n_ratings)


def test_an_unscored_application_shows_every_area_as_not_assessed(client, recruiter, application):
    client.force_login(recruiter)

    response = client.get(profile_url(application))

    assert response.status_code == 200
    root = chart_of(response)
    assert [dot for dot in root.iter(f"{SVG}circle") if dot.get("data-area")] == []
    assert "Not scored yet" in response.content.decode()


def test_the_page_shows_the_fit_breakdown_for_every_role(client, recruiter, scored):
    _opening, application, *_ = scored
    client.force_login(recruiter)

    response = client.get(profile_url(application))

    fits = response.context["fits"]
    assert len(fits) == 3
    assert [fit.is_opening_role for fit in fits].count(True) == 1
    assert next(fit for fit in fits if fit.is_opening_role).fit.role == "ml_engineer"
    html = response.content.decode()
    for fit in fits:
        assert f'id="fit-{fit.fit.role}-h"' in html
        assert f"Per-area contributions to the {fit.name} fit" in html
    assert "this opening's role" in html
    for fit in fits:
        for _name, part in fit.areas:
            if part.contribution is not None:
                assert f"{part.contribution:.1f}" in html


def role_section(html: str, role: str) -> str:
    return re.search(
        rf'<section class="fit-role card" aria-labelledby="fit-{role}-h">.*?</section>', html, re.S
    ).group(0)


def test_each_role_shows_its_interval_and_the_probabilities_of_meeting_and_missing_its_bars(
    client, committee_member, scored
):
    _opening, application, *_ = scored
    store_fit(
        application,
        fit=66.84,
        meets=0.5833,
        lower=45.1,
        below={
            "software_engineering": 0.03,
            "production_deployment": 0.1217,
            "mlops_monitoring": 0.06,
            "cloud_containers": 0.2731,
        },
    )
    client.force_login(committee_member)

    html = client.get(profile_url(application)).content.decode()

    section = role_section(html, "ml_engineer")
    assert '<strong class="fit-value">67</strong> (80% interval 45\N{EN DASH}77)' in section
    assert re.search(r"<dt>Meets every must-have</dt><dd[^>]*>58% probability</dd>", section)
    bars = dict(re.findall(r'<li data-area="(\w+)">(.*?)</li>', section, re.S))
    assert bars == {
        "software_engineering": "Software engineering quality (minimum 4): 3% probability below",
        "production_deployment": "Production deployment and model serving (minimum 4): 12% probability below",
        "mlops_monitoring": "MLOps, monitoring and maintenance (minimum 3): 6% probability below",
        "cloud_containers": "Cloud, containers and orchestration (minimum 3): 27% probability below",
    }
    assert "Clearly below a must-have" not in section


def test_bars_likely_or_clearly_missed_are_marked_and_the_candidate_is_told_it_ranks_last(
    client, committee_member, scored
):
    _opening, application, *_ = scored
    below = {
        "software_engineering": 0.95,
        "production_deployment": 0.62,
        "mlops_monitoring": 0.0,
        "cloud_containers": 0.0,
    }
    store_fit(application, fit=30.0, meets=0.019, gated=True, below=below)
    client.force_login(committee_member)

    html = client.get(profile_url(application)).content.decode()

    section = role_section(html, "ml_engineer")
    bars = dict(re.findall(r'<li data-area="(\w+)">(.*?)</li>', section, re.S))
    assert bars["software_engineering"].endswith(
        '95% probability below · <strong class="below-bar">clearly below</strong>'
    )
    assert bars["production_deployment"].endswith(
        '62% probability below · <strong class="below-bar">likely below</strong>'
    )
    assert bars["mlops_monitoring"].endswith("0% probability below")
    assert "a shortlist ranks the candidate after every candidate who is not" in section
    assert re.search(r"<dt>Meets every must-have</dt><dd[^>]*>2% probability</dd>", section)


def test_the_breakdown_marks_areas_nobody_assessed_as_predicted_from_the_model(
    client, committee_member, scored
):
    _opening, application, *_ = scored
    stored = ApplicationScoreState.objects.get(application=application).estimates
    client.force_login(committee_member)

    response = client.get(profile_url(application))

    html = response.content.decode()
    for fit in response.context["fits"]:
        section = role_section(html, fit.fit.role)
        for _name, part in fit.areas:
            row = re.search(rf'<tr data-area="{part.area}"[^>]*>(.*?)</tr>', section, re.S).group(1)
            estimate = re.search(r'<td class="num estimate"[^>]*>(.*?)</td>', row, re.S).group(1)
            mean, _sd, n_ratings = stored[part.area]
            assert estimate.startswith(f"{mean:.2f}")
            if n_ratings:
                assert part.area in AREAS
                assert "not assessed" not in estimate
            else:
                assert part.area not in AREAS
                assert estimate.endswith(
                    '<span class="not-assessed">(not assessed: predicted from the model)</span>'
                )


def test_the_breakdown_gives_each_must_have_areas_probability_of_being_below_it(
    client, committee_member, scored
):
    _opening, application, *_ = scored
    store_fit(application, fit=50.0, meets=0.8)  # 20% of being below the production-deployment bar
    client.force_login(committee_member)

    html = client.get(profile_url(application)).content.decode()

    section = role_section(html, "ml_engineer")
    cells = {
        area: re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]
        for area, row in re.findall(r'<tr data-area="(\w+)"[^>]*>(.*?)</tr>', section, re.S)
    }
    assert cells["production_deployment"] == "20%"
    assert cells["software_engineering"] == "0%"
    assert cells["communication"] == '<span class="muted">—</span>'  # no bar on it for this role


def test_the_debrief_summary_shows_the_probability_of_meeting_the_bars_and_the_bars_likely_missed(
    client, committee_member, scored
):
    _opening, application, *_ = scored
    below = {
        "software_engineering": 0.95,
        "production_deployment": 0.62,
        "mlops_monitoring": 0.0,
        "cloud_containers": 0.0,
    }
    store_fit(application, fit=30.0, meets=0.019, gated=True, below=below)
    client.force_login(committee_member)

    html = client.get(debrief_url(application)).content.decode()

    table = re.search(r'<table class="fit-summary-table">.*?</table>', html, re.S).group(0)
    assert '<th scope="col" class="num">Probability of meeting every must-have</th>' in table
    row = re.search(
        r'<tr>\s*<th scope="row">[^<]*<span class="tag">this opening</span>.*?</tr>', table, re.S
    ).group(0)
    cells = [re.sub(r"\s+", " ", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    fit, interval, _coverage, meets, likely_missed, _consider = cells
    assert (fit, interval, meets) == ("30", "20\N{EN DASH}40", "2%")
    assert likely_missed == (
        "Software engineering quality (95%, clearly below); Production deployment and model serving (62%)"
    )


def test_the_page_has_no_inline_styles_or_scripts(client, recruiter, scored):
    _opening, application, *_ = scored
    client.force_login(recruiter)

    html = client.get(profile_url(application)).content.decode()

    assert " style=" not in html
    assert re.findall(r"<script\b[^>]*>.*?</script>", html, re.S) == [
        '<script src="/static/js/forms.js" defer></script>'  # our own file: focus and counters
    ]
    assert "css/profile.css" in html


# Scorecards ---------------------------------------------------------------------------------------------


def test_every_submitted_scorecard_is_shown_with_evidence_and_amendments_but_drafts_never(
    client, committee_member, scored, django_capture_on_commit_callbacks
):
    _opening, application, lenient, neutral = scored
    scorecard = lenient.scorecards.get(interview__application=application)
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_amend(
            scorecard=scorecard,
            user=lenient,
            reason="Misread the system-design notes.",
            recommendation="strong_yes",
            summary="",
            ratings=[RatingInput(key, 3, evidence="Designed a feature store.") for key in AREAS],
        )
    drafter = UserFactory(username="dora_drafter", groups=["interviewer"])
    draft_interview = InterviewFactory(application=application, focus=AREAS, interviewers=[drafter])
    scorecard_save_draft(
        interview=draft_interview,
        user=drafter,
        recommendation="no",
        ratings=[RatingInput(AREAS[0], 1, evidence="DRAFT-ONLY-EVIDENCE")],
    )
    client.force_login(committee_member)

    response = client.get(profile_url(application))

    html = response.content.decode()
    assert {card.interviewer for card in response.context["scorecards"]} == {lenient, neutral}
    assert "Designed a feature store." in html
    assert "Misread the system-design notes." in html
    assert "Strong yes" in html
    assert "DRAFT-ONLY-EVIDENCE" not in html
    assert "dora_drafter" not in html


def test_a_recruiters_own_draft_is_not_shown_either(client, recruiter, scored):
    _opening, application, *_ = scored
    interview = InterviewFactory(application=application, focus=AREAS, interviewers=[recruiter])
    scorecard_save_draft(
        interview=interview,
        user=recruiter,
        recommendation="yes",
        ratings=[RatingInput(AREAS[0], 4, evidence="MY-DRAFT")],
    )
    client.force_login(recruiter)

    html = client.get(profile_url(application)).content.decode()

    assert "MY-DRAFT" not in html


def test_the_profile_runs_a_fixed_number_of_queries_whatever_the_number_of_scorecards(
    client, recruiter, scored, django_capture_on_commit_callbacks
):
    _opening, application, *_ = scored
    client.force_login(recruiter)
    client.get(profile_url(application))  # warm the session and the rubric cache
    with CaptureQueriesContext(connection) as before:
        client.get(profile_url(application))
    extra = UserFactory(username="extra_interviewer", groups=["interviewer"])
    interview = InterviewFactory(application=application, focus=AREAS, interviewers=[extra])
    with django_capture_on_commit_callbacks(execute=True):
        submit(interview, extra, {key: 3 for key in AREAS})

    with CaptureQueriesContext(connection) as after:
        client.get(profile_url(application))

    assert len(after) == len(before)


# Decisions ----------------------------------------------------------------------------------------------


def test_recording_a_decision_writes_it_with_audit_and_webhook_event(client, committee_member, scored):
    _opening, application, *_ = scored
    client.force_login(committee_member)

    response = client.post(
        decision_url(application), {"outcome": "advance", "rationale": "Above the bar in production ML."}
    )

    assert response.status_code == 302
    assert response.url == profile_url(application)
    decision = Decision.objects.get(application=application)
    assert (decision.outcome, decision.rationale, decision.decided_by) == (
        "advance",
        "Above the bar in production ML.",
        committee_member,
    )
    audit = AuditEvent.objects.get(action="decision.recorded")
    assert audit.target_id == str(decision.pk)
    assert Event.objects.filter(type="decision.recorded").count() == 1
    page = client.get(response.url).content.decode()
    assert "Decision recorded: Advance" in page
    assert "Above the bar in production ML." in page


def test_decisions_are_listed_newest_first(client, recruiter, application):
    client.force_login(recruiter)
    client.post(decision_url(application), {"outcome": "hold", "rationale": "FIRST-RATIONALE"})
    client.post(decision_url(application), {"outcome": "reject", "rationale": "SECOND-RATIONALE"})

    html = client.get(profile_url(application)).content.decode()

    assert html.index("SECOND-RATIONALE") < html.index("FIRST-RATIONALE")
    assert [decision.outcome for decision in client.get(profile_url(application)).context["decisions"]] == [
        "reject",
        "hold",
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "advance", "rationale": ""}, "rationale"),
        ({"outcome": "advance", "rationale": "   \n  "}, "rationale"),
        ({"outcome": "advance"}, "rationale"),
        ({"outcome": "maybe", "rationale": "Because."}, "outcome"),
        ({"rationale": "Because."}, "outcome"),
    ],
)
def test_invalid_input_shows_the_error_at_its_field_and_writes_nothing(
    client, recruiter, application, data, field
):
    client.force_login(recruiter)

    response = client.post(decision_url(application), data)

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action="decision.recorded").exists()
    assert not Event.objects.exists()


def test_the_rationale_typed_is_kept_when_the_outcome_is_missing(client, recruiter, application):
    client.force_login(recruiter)

    response = client.post(decision_url(application), {"rationale": "KEEP-ME"})

    assert "KEEP-ME</textarea>" in response.content.decode()


def test_a_committee_member_of_another_opening_cannot_decide(client, scored):
    _opening, application, *_ = scored
    stranger = UserFactory(username="sam_other_committee", groups=["hiring committee"])
    other_opening = OpeningFactory(title="Elsewhere", committee=[stranger])
    ApplicationFactory(opening=other_opening)
    client.force_login(stranger)

    response = client.post(decision_url(application), {"outcome": "reject", "rationale": "Not mine."})

    assert response.status_code == 404
    assert not Decision.objects.exists()
    assert not Event.objects.filter(type="decision.recorded").exists()


# Debrief ------------------------------------------------------------------------------------------------


def test_the_debrief_page_has_everything_for_print(client, committee_member, scored):
    opening, application, *_ = scored
    client.force_login(committee_member)
    client.post(decision_url(application), {"outcome": "hold", "rationale": "Waiting for the take-home."})

    response = client.get(debrief_url(application))

    html = response.content.decode()
    assert response.status_code == 200
    assert application.candidate.name in html
    assert opening.title in html
    assert "Fit summary" in html
    assert chart_of(response).get("role") == "img"
    assert 'class="skill-table"' in html
    assert html.count('class="card scorecard"') == 2
    assert "Waiting for the take-home." in html
    assert "css/profile.css" in html
    assert '<form method="post" action="/review/' not in html  # no decision form on paper


# Demographics -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [profile_url, debrief_url])
def test_self_reported_demographics_never_appear_on_the_candidates_pages(client, recruiter, scored, url):
    from hiring.models import DemographicResponse

    _opening, application, *_ = scored
    DemographicResponse.objects.create(
        candidate=application.candidate,
        gender="non_binary",
        ethnicity="pacific_islander",
        consented_at=application.created_at,
    )
    client.force_login(recruiter)

    html = client.get(url(application)).content.decode().lower()

    for text in ("non-binary", "non_binary", "pacific", "ethnicity", "gender", "demographic"):
        assert text not in html
