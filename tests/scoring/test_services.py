import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from assessments.services import RatingInput, scorecard_amend
from scoring import services
from scoring.models import ApplicationScoreState, FitScore, InterviewerOffset, OpeningCalibration
from scoring.tasks import stale_scores_sweep
from tests.scoring.conftest import AREAS

pytestmark = pytest.mark.django_db


def fits(application):
    return {s.role.key: s for s in FitScore.objects.filter(application=application).select_related("role")}


def test_the_batch_scores_every_application_for_all_three_roles(scored_opening):
    opening, applications, lenient, neutral = scored_opening(4)

    assert services.opening_recompute(opening_id=opening.pk) == 4

    for application in applications:
        scores = fits(application)
        assert set(scores) == {"data_scientist", "ml_engineer", "full_stack_data_scientist"}
        assert all(0 <= s.fit <= 100 and s.lower <= s.fit <= s.upper for s in scores.values())
        assert 0 < scores["ml_engineer"].coverage < 1
        state = ApplicationScoreState.objects.get(application=application)
        assert set(state.estimates) == set(AREAS)
    offsets = {o.interviewer_id: o for o in InterviewerOffset.objects.filter(opening=opening)}
    assert offsets[lenient.pk].offset > 0 > offsets[neutral.pk].offset
    assert OpeningCalibration.objects.get(opening=opening).n_ratings == 4 * 2 * len(AREAS)


def test_calibration_removes_the_lenient_interviewers_lift(scored_opening):
    opening, applications, _, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)

    estimate = ApplicationScoreState.objects.get(application=applications[0]).estimates["communication"][0]

    # Ratings were 2 (lenient) and 1 (neutral): the calibrated skill sits at their midpoint, 1.5,
    # because the offsets are centred; with shrinkage it stays within the ratings.
    assert 1.0 <= estimate <= 2.0


def test_the_better_candidate_fits_better(scored_opening):
    opening, applications, _, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)

    ml_fits = [fits(application)["ml_engineer"].fit for application in applications]

    assert ml_fits == sorted(ml_fits)  # skill rises with the index
    assert ml_fits[0] < ml_fits[-1]


def test_recomputing_twice_writes_the_same_values(scored_opening):
    opening, _, _, _ = scored_opening(3)
    services.opening_recompute(opening_id=opening.pk)
    first = sorted(
        FitScore.objects.filter(application__opening=opening).values_list(
            "application_id", "role_id", "fit", "lower", "upper"
        )
    )

    services.opening_recompute(opening_id=opening.pk)

    assert (
        sorted(
            FitScore.objects.filter(application__opening=opening).values_list(
                "application_id", "role_id", "fit", "lower", "upper"
            )
        )
        == first
    )
    assert FitScore.objects.filter(application__opening=opening).count() == 9


def test_the_batch_makes_a_constant_number_of_queries(scored_opening):
    small, _, _, _ = scored_opening(2)
    large, _, _, _ = scored_opening(12)

    with CaptureQueriesContext(connection) as few:
        services.opening_recompute(opening_id=small.pk)
    with CaptureQueriesContext(connection) as many:
        services.opening_recompute(opening_id=large.pk)

    assert len(many) == len(few)
    assert len(many) <= 30


def test_a_single_recompute_reuses_the_batchs_offsets(scored_opening):
    opening, applications, lenient, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)
    batch = fits(applications[3])["ml_engineer"].fit
    InterviewerOffset.objects.filter(opening=opening, interviewer=lenient).update(
        offset=0.0, standard_error=0.0
    )

    services.application_recompute(application_id=applications[3].pk)

    # Without the lenient interviewer's correction the candidate looks better.
    assert fits(applications[3])["ml_engineer"].fit > batch


def test_submitting_scores_the_application_and_amending_marks_it_for_the_sweep(scored_opening, interviewer):
    opening, applications, lenient, _ = scored_opening(2)
    application = applications[0]
    assert services.applications_stale(opening_id=opening.pk) == []
    scorecard = application.interviews.get().scorecards.get(interviewer=lenient)

    # The amendment's own recompute message is lost (on-commit callbacks not run):
    scorecard_amend(
        scorecard=scorecard,
        user=lenient,
        reason="Mixed up two candidates.",
        recommendation="strong_yes",
        summary="",
        ratings=[RatingInput(key, 5) for key in AREAS],
    )
    assert services.applications_stale(opening_id=opening.pk) == [application.pk]

    assert stale_scores_sweep() >= 1
    assert services.applications_stale(opening_id=opening.pk) == []


def test_an_opening_without_ratings_scores_nothing_but_records_coverage_zero(rubric_version):
    from tests.factories import ApplicationFactory

    application = ApplicationFactory()

    services.opening_recompute(opening_id=application.opening_id)

    scores = fits(application)
    assert all(s.fit is None and s.coverage == 0 for s in scores.values())


def test_a_recompute_of_a_vanished_application_is_a_no_op(db):
    assert services.application_recompute(application_id=999_999) is False
    assert services.opening_recompute(opening_id=999_999) == 0


def test_the_batch_records_agreement_per_area_in_a_follow_up_task(
    scored_opening, django_capture_on_commit_callbacks
):
    from scoring.models import AreaReliability

    opening, _, _, _ = scored_opening(4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.opening_recompute(opening_id=opening.pk)
    assert len(callbacks) == 1

    rows = {r.area.key: r for r in AreaReliability.objects.filter(opening=opening).select_related("area")}
    assert set(rows) == set(opening.rubric_version.areas.values_list("key", flat=True))
    communication = rows["communication"]
    assert communication.n_units == 4
    assert communication.n_raters == 2
    assert communication.alpha is not None
    assert rows["deep_learning"].alpha is None
    assert rows["deep_learning"].reading == "not enough overlap"


def test_the_fit_report_explains_each_roles_number(scored_opening):
    from scoring.selectors import application_fit_report

    opening, applications, _, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)

    report = {row.role: row for row in application_fit_report(application=applications[3])}

    assert set(report) == {"data_scientist", "ml_engineer", "full_stack_data_scientist"}
    for row in report.values():
        contributions = [area.contribution for area in row.breakdown if area.contribution is not None]
        total = sum(contributions) * (0.5 if row.gated else 1)
        assert total == pytest.approx(row.fit, abs=0.05)
        assert {area.area for area in row.breakdown if area.estimate is not None} == set(AREAS)
        assert all(area.contribution is None for area in row.breakdown if area.estimate is None)


def test_the_fit_report_is_empty_before_scoring(rubric_version):
    from scoring.selectors import application_fit_report
    from tests.factories import ApplicationFactory

    assert application_fit_report(application=ApplicationFactory()) == []


def stored_fits(opening):
    columns = (
        "application_id",
        "role_id",
        "fit",
        "lower",
        "upper",
        "coverage",
        "gated",
        "below_bar",
        "consider_role_id",
    )
    return sorted(FitScore.objects.filter(application__opening=opening).values_list(*columns))


def test_the_bulk_write_path_stores_what_the_plain_path_stores(scored_opening, monkeypatch):
    # Large batches write through binary COPY; small ones through plain statements.
    opening, _, _, _ = scored_opening(5)
    services.opening_recompute(opening_id=opening.pk)
    plain = stored_fits(opening)
    plain_states = {s.application_id: (s.estimates, s.inputs_at) for s in ApplicationScoreState.objects.all()}
    FitScore.objects.all().delete()
    ApplicationScoreState.objects.all().delete()
    monkeypatch.setattr(services, "COPY_THRESHOLD", 0)

    services.opening_recompute(opening_id=opening.pk)

    bulk = stored_fits(opening)
    assert bulk == plain
    assert any(row[7] for row in bulk)  # some below-bar lists went through the mask
    assert {
        s.application_id: (s.estimates, s.inputs_at) for s in ApplicationScoreState.objects.all()
    } == plain_states


def test_deleting_an_application_deletes_its_fit_scores(scored_opening):
    # Fit rows carry no database-level key to their application (see FitScore): the ORM cascades.
    opening, applications, _, _ = scored_opening(3)
    services.opening_recompute(opening_id=opening.pk)

    applications[0].delete()

    assert not FitScore.objects.filter(application_id=applications[0].pk).exists()
    assert FitScore.objects.filter(application__opening=opening).count() == 2 * 3


@given(
    ids=st.sets(st.integers(min_value=0, max_value=3000), min_size=1, max_size=40),
    base=st.integers(min_value=1, max_value=2**40),
    others=st.lists(st.integers(min_value=-5, max_value=2**40 + 5), max_size=20),
    spread=st.sampled_from([1, 10_000]),  # dense lookup table, binary search
)
def test_ids_map_to_their_positions_and_strangers_to_minus_one(ids, base, others, spread):
    ids = np.array([base + value * spread for value in ids], dtype=np.int64)
    values = np.concatenate([ids[::-1], np.array(others, dtype=np.int64)])

    positions = services._index_of(values, ids)

    expected = [ids.tolist().index(v) if v in ids.tolist() else -1 for v in values.tolist()]
    assert positions.tolist() == expected


def test_celery_beat_sweeps_stale_scores_and_sends_reminders(settings):
    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"scoring.stale_scores_sweep", "assessments.send_scorecard_reminders"} <= scheduled
    assert all(task in app.tasks for task in scheduled)
