import pytest

from assessments.models import Rating, Scorecard, ScorecardRevision
from assessments.services import RatingInput, scorecard_amend, scorecard_save_draft, scorecard_submit
from config.errors import ApplicationError
from scoring.models import ApplicationScoreState, FitScore

pytestmark = pytest.mark.django_db

COMPLETE = [
    RatingInput("software_engineering", 4, evidence="Wrote tests first."),
    RatingInput("statistics_experimentation", 3, evidence="Sized an A/B test."),
    RatingInput("communication", not_assessed=True),
]


def draft(interview, user, ratings=COMPLETE, recommendation="yes"):
    return scorecard_save_draft(
        interview=interview, user=user, recommendation=recommendation, summary="Solid.", ratings=ratings
    )


def test_an_interviewer_saves_an_incomplete_draft(interview, interviewer):
    scorecard = draft(interview, interviewer, ratings=[RatingInput("communication", 2)], recommendation="")

    assert scorecard.status == Scorecard.Status.DRAFT
    assert scorecard.revision == 0
    assert list(scorecard.ratings.values_list("area__key", "level")) == [("communication", 2)]


def test_saving_a_draft_again_replaces_its_ratings(interview, interviewer):
    draft(interview, interviewer, ratings=[RatingInput("communication", 2)])
    scorecard = draft(interview, interviewer, ratings=[RatingInput("communication", 4)])

    assert Scorecard.objects.filter(interview=interview).count() == 1
    assert list(scorecard.ratings.values_list("level", flat=True)) == [4]


def test_the_first_scorecard_locks_the_rubric_version(interview, interviewer):
    version = interview.application.opening.rubric_version
    assert not version.is_locked

    draft(interview, interviewer)

    version.refresh_from_db()
    assert version.is_locked


def test_submitting_keeps_a_revision_and_recomputes_the_applications_scores(
    interview, interviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)

    assert scorecard.status == Scorecard.Status.SUBMITTED
    assert scorecard.submitted_at is not None
    revision = ScorecardRevision.objects.get(scorecard=scorecard)
    assert revision.number == 1
    assert [r["area"] for r in revision.ratings] == [
        "software_engineering",
        "statistics_experimentation",
        "communication",
    ]
    state = ApplicationScoreState.objects.get(application=interview.application)
    assert state.inputs_at == scorecard.submitted_at
    assert FitScore.objects.filter(application=interview.application).count() == 3


def test_the_recompute_is_enqueued_only_after_commit(
    interview, interviewer, django_capture_on_commit_callbacks
):
    scorecard = draft(interview, interviewer)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        scorecard_submit(scorecard=scorecard, user=interviewer)

    assert len(callbacks) == 1
    assert not ApplicationScoreState.objects.filter(application=interview.application).exists()


@pytest.mark.parametrize(
    ("ratings", "field", "message"),
    [
        (
            [RatingInput("software_engineering", 6)],
            "rating_software_engineering",
            "Choose a level from 1 to 5",
        ),
        (
            [RatingInput("software_engineering", 0)],
            "rating_software_engineering",
            "Choose a level from 1 to 5",
        ),
        (
            [RatingInput("deep_learning", 3)],
            "rating_deep_learning",
            "not one of this interview's focus areas",
        ),
        ([RatingInput("communication", 3, not_assessed=True)], "rating_communication", "not both"),
    ],
)
def test_bad_ratings_are_refused_at_their_field_and_nothing_is_saved(
    interview, interviewer, ratings, field, message
):
    with pytest.raises(ApplicationError) as caught:
        draft(interview, interviewer, ratings=ratings)

    assert caught.value.code == "scorecard_invalid"
    assert message in caught.value.fields[field]
    assert not Scorecard.objects.filter(interview=interview).exists()


def test_submitting_with_unrated_focus_areas_names_each_one(interview, interviewer):
    scorecard = draft(interview, interviewer, ratings=[RatingInput("communication", 3)], recommendation="")

    with pytest.raises(ApplicationError) as caught:
        scorecard_submit(scorecard=scorecard, user=interviewer)

    assert caught.value.code == "scorecard_incomplete"
    assert set(caught.value.fields) == {
        "rating_software_engineering",
        "rating_statistics_experimentation",
        "recommendation",
    }
    scorecard.refresh_from_db()
    assert scorecard.status == Scorecard.Status.DRAFT


def test_a_second_submit_is_refused(interview, interviewer):
    scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)

    with pytest.raises(ApplicationError) as caught:
        scorecard_submit(scorecard=scorecard, user=interviewer)

    assert (caught.value.code, caught.value.status_code) == ("already_submitted", 409)
    assert ScorecardRevision.objects.filter(scorecard=scorecard).count() == 1


def test_editing_a_submitted_scorecard_without_amend_is_refused(interview, interviewer):
    scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)

    with pytest.raises(ApplicationError) as caught:
        draft(interview, interviewer, ratings=[RatingInput("communication", 1)])

    assert caught.value.code == "already_submitted"
    assert Rating.objects.get(scorecard__interview=interview, area__key="software_engineering").level == 4


def test_an_unassigned_user_has_no_scorecard_for_the_interview(interview, other_interviewer):
    with pytest.raises(ApplicationError) as caught:
        draft(interview, other_interviewer)

    assert (caught.value.code, caught.value.status_code) == ("not_assigned", 404)


def test_another_interviewers_scorecard_cannot_be_submitted(interview, interviewer, other_interviewer):
    scorecard = draft(interview, interviewer)

    with pytest.raises(ApplicationError) as caught:
        scorecard_submit(scorecard=scorecard, user=other_interviewer)

    assert caught.value.status_code == 404


def test_amending_needs_a_reason(interview, interviewer):
    scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)

    with pytest.raises(ApplicationError) as caught:
        scorecard_amend(
            scorecard=scorecard,
            user=interviewer,
            reason="  ",
            recommendation="no",
            summary="",
            ratings=COMPLETE,
        )

    assert (caught.value.code, caught.value.field) == ("amend_reason_required", "reason")


def test_amending_keeps_every_version_as_history(interview, interviewer):
    scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)
    changed = [RatingInput("software_engineering", 2, evidence="Re-read the code: no tests."), *COMPLETE[1:]]

    scorecard = scorecard_amend(
        scorecard=scorecard,
        user=interviewer,
        reason="Misread the take-home.",
        recommendation="no",
        summary="Weaker.",
        ratings=changed,
    )

    assert scorecard.revision == 2
    assert scorecard.recommendation == "no"
    history = list(scorecard.revisions.order_by("number"))
    assert [(r.number, r.recommendation, r.reason) for r in history] == [
        (1, "yes", ""),
        (2, "no", "Misread the take-home."),
    ]
    assert history[0].ratings[0]["level"] == 4
    assert history[1].ratings[0]["level"] == 2


def test_amending_on_top_of_a_newer_amendment_is_refused(interview, interviewer, recruiter):
    scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)
    scorecard_amend(
        scorecard=scorecard,
        user=recruiter,
        reason="Typo.",
        recommendation="yes",
        summary="",
        ratings=COMPLETE,
        expected_revision=1,
    )

    with pytest.raises(ApplicationError) as caught:
        scorecard_amend(
            scorecard=scorecard,
            user=interviewer,
            reason="Mine.",
            recommendation="no",
            summary="",
            ratings=COMPLETE,
            expected_revision=1,
        )

    assert caught.value.code == "stale_revision"


def test_another_interviewer_cannot_amend(interview, interviewer, other_interviewer):
    scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)

    with pytest.raises(ApplicationError) as caught:
        scorecard_amend(
            scorecard=scorecard,
            user=other_interviewer,
            reason="x",
            recommendation="no",
            summary="",
            ratings=COMPLETE,
        )

    assert caught.value.status_code == 404


def test_database_refuses_a_rating_outside_the_scale(interview, interviewer):
    from django.db import IntegrityError, transaction

    scorecard = draft(interview, interviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(scorecard=scorecard).update(level=9)


def test_database_refuses_a_second_scorecard_for_the_same_interviewer(interview, interviewer):
    from django.db import IntegrityError, transaction

    draft(interview, interviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.create(
            interview=interview,
            interviewer=interviewer,
            rubric_version=interview.application.opening.rubric_version,
        )


def test_a_scorecard_cannot_be_submitted_before_its_interview_starts_but_a_draft_can_be_saved(
    interview, interviewer
):
    import datetime as dt

    from django.utils import timezone

    interview.scheduled_at = timezone.now() + dt.timedelta(days=3)
    interview.save(update_fields=["scheduled_at"])
    scorecard = draft(interview, interviewer)

    with pytest.raises(ApplicationError) as caught:
        scorecard_submit(scorecard=scorecard, user=interviewer)

    assert (caught.value.code, caught.value.status_code) == ("interview_not_started", 409)
    scorecard.refresh_from_db()
    assert scorecard.status == Scorecard.Status.DRAFT
    assert not ScorecardRevision.objects.exists()


def test_a_scorecard_can_be_submitted_once_its_interview_has_started(interview, interviewer):
    from django.utils import timezone

    interview.scheduled_at = timezone.now()
    interview.save(update_fields=["scheduled_at"])

    scorecard = scorecard_submit(scorecard=draft(interview, interviewer), user=interviewer)

    assert scorecard.status == Scorecard.Status.SUBMITTED
