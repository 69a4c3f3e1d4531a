import pytest

from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory

AREAS = ["software_engineering", "statistics_experimentation", "communication", "production_deployment"]


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

        opening = OpeningFactory(title=f"Opening {role}", role=Role.objects.get(key=role))
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
