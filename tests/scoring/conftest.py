import pytest

from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

AREAS = ["software_engineering", "statistics_experimentation", "communication", "production_deployment"]


FIT_COLUMNS = (
    "application_id",
    "role_id",
    "fit",
    "lower",
    "upper",
    "coverage",
    "standard_error",
    "gated",
    "below_bar",
    "below_bar_probability",
    "meets_bars_probability",
    "consider_role_id",
)


def stored_fits(**lookup):
    """The stored fit scores matching ``lookup``, every figure, sorted: to compare two ways of computing."""
    from scoring.models import FitScore

    return sorted(FitScore.objects.filter(**lookup).values_list(*FIT_COLUMNS))


def submit(interview, user, levels, recommendation="yes"):
    """Submit a scorecard rating the interview's focus areas with ``levels`` (area key -> level)."""
    scorecard = scorecard_save_draft(
        interview=interview,
        user=user,
        recommendation=recommendation,
        ratings=[RatingInput(key, level) for key, level in levels.items()],
    )
    return scorecard_submit(scorecard=scorecard, user=user)


@pytest.fixture
def scored_opening(rubric_version, django_capture_on_commit_callbacks):
    """An ML-engineer opening: ``n`` candidates, each rated by a lenient and a neutral interviewer.

    Returns a builder so tests choose the size; recompute tasks run on commit.
    """

    def build(n=4, *, role="ml_engineer"):
        from assessments.models import Role

        # Pushed in by Greenhouse, the source of ``token_client``'s tokens.
        opening = OpeningFactory(
            title=f"Opening {role}", role=Role.objects.get(key=role), source="greenhouse"
        )
        lenient, neutral = UserFactory(username=f"lenient_{n}"), UserFactory(username=f"neutral_{n}")
        applications = []
        for index in range(n):
            application = ApplicationFactory(opening=opening)
            interview = InterviewFactory(
                application=application, focus=AREAS, interviewers=[lenient, neutral]
            )
            skill = 1 + index % 4
            with django_capture_on_commit_callbacks(execute=True):
                submit(interview, lenient, {key: min(5, skill + 1) for key in AREAS})
                submit(interview, neutral, {key: skill for key in AREAS})
            applications.append(application)
        return opening, applications, lenient, neutral

    return build


@pytest.fixture
def api_personas(session_client, token_client, recruiter, committee_member, interviewer, outsider):
    """``api_personas(opening)``: an API client per persona, keyed by name, for permission matrices.

    ``committee_member`` sits on ``opening``; ``other_committee`` on another opening only;
    ``no_role`` is signed in without any group; ``anonymous`` sends no credentials.
    """
    from rest_framework.test import APIClient

    def make(opening, *, scopes=("scores:read", "shortlists:read", "shortlists:write")):
        opening.committee.add(committee_member)
        other_committee = UserFactory(username="cody_other_committee", groups=["hiring committee"])
        OpeningFactory(title="Another opening", committee=[other_committee])
        return {
            "token": token_client(scopes),
            "token_without_scope": token_client(["candidates:read"]),
            "recruiter": session_client(recruiter),
            "committee_member": session_client(committee_member),
            "other_committee": session_client(other_committee),
            "interviewer": session_client(interviewer),
            "outsider": session_client(outsider),
            "no_role": session_client(UserFactory(username="nora_no_role")),
            "anonymous": APIClient(),
        }

    return make


ML_BARS = ["software_engineering", "production_deployment", "mlops_monitoring", "cloud_containers"]


def store_fit(application, *, fit, meets, gated=False, lower=None, below=None):
    """Overwrite the stored ML-engineer fit of a scored application (scores stay fresh, so builds use it).

    The doubt about the bars sits on production deployment unless ``below`` says otherwise.
    """
    from scoring.models import FitScore

    below = below or {**dict.fromkeys(ML_BARS, 0.0), "production_deployment": round(1 - meets, 4)}
    FitScore.objects.filter(application=application, role__key="ml_engineer").update(
        fit=fit,
        lower=fit - 10 if lower is None else lower,
        upper=fit + 10,
        meets_bars_probability=meets,
        below_bar_probability=below,
        below_bar=[key for key, probability in below.items() if probability >= 0.5],
        gated=gated,
    )


@pytest.fixture
def four_candidates(scored_opening):
    """A scored ML-engineer opening whose four candidates have chosen stored fits; returns them by name."""
    opening, applications, _, _ = scored_opening(4)
    sure, likely, doubtful, below = applications
    store_fit(sure, fit=60.0, meets=0.95, lower=55.0)
    store_fit(likely, fit=70.0, meets=0.95, lower=45.0)
    store_fit(doubtful, fit=80.0, meets=0.6, lower=50.0)
    # The best formula of all, but clearly below the software-engineering bar.
    clearly = {**dict.fromkeys(ML_BARS, 0.0), "software_engineering": 0.95, "production_deployment": 0.2}
    store_fit(below, fit=90.0, meets=0.04, gated=True, lower=80.0, below=clearly)
    return opening, {"sure": sure, "likely": likely, "doubtful": doubtful, "below": below}
