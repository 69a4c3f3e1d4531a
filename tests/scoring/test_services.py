import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from assessments.services import RatingInput, scorecard_amend
from scoring import calibration, services
from scoring.models import ApplicationScoreState, Calibration, FitScore, InterviewerOffset
from scoring.tasks import calibration_sweep, stale_scores_sweep
from tests.scoring.conftest import AREAS, FIT_COLUMNS, stored_fits

pytestmark = pytest.mark.django_db


def fits(application):
    return {s.role.key: s for s in FitScore.objects.filter(application=application).select_related("role")}


def test_the_batch_scores_every_application_for_all_three_roles(scored_opening):
    opening, applications, _, _ = scored_opening(4)

    assert services.opening_recompute(opening_id=opening.pk) == 4

    for application in applications:
        scores = fits(application)
        assert set(scores) == {"data_scientist", "ml_engineer", "full_stack_data_scientist"}
        assert all(0 <= s.fit <= 100 and s.lower <= s.fit <= s.upper for s in scores.values())
        assert all(0 <= s.meets_bars_probability <= 1 for s in scores.values())
        assert set(scores["ml_engineer"].below_bar_probability) == {
            "software_engineering",
            "production_deployment",
            "mlops_monitoring",
            "cloud_containers",
        }
        assert 0 < scores["ml_engineer"].coverage < 1
        state = ApplicationScoreState.objects.get(application=application)
        assert {key for key, (_, _, n) in state.estimates.items() if n > 0} == set(AREAS)
        assert len(state.estimates) == opening.rubric_version.areas.count()


def test_interviewers_are_calibrated_as_people_across_openings(scored_opening):
    opening, _, lenient, neutral = scored_opening(4)
    calibration.calibration_run(rubric_id=opening.rubric_version.rubric_id)

    offsets = {o.interviewer_id: o for o in InterviewerOffset.objects.all()}
    assert offsets[lenient.pk].offset > offsets[neutral.pk].offset
    stored = Calibration.objects.get(rubric=opening.rubric_version.rubric)
    assert stored.n_ratings == 4 * 2 * len(AREAS)
    assert stored.n_interviewers == 2
    assert stored.converged


def test_a_new_opening_starts_calibrated_from_the_interviewers_history(scored_opening):
    first, _, lenient, _ = scored_opening(6)
    calibration.calibration_run(rubric_id=first.rubric_version.rubric_id)
    from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory
    from tests.scoring.conftest import submit

    second = OpeningFactory(title="Second opening", role=first.role)
    application = ApplicationFactory(opening=second)
    interview = InterviewFactory(application=application, focus=AREAS, interviewers=[lenient])
    submit(interview, lenient, dict.fromkeys(AREAS, 4))

    services.opening_recompute(opening_id=second.pk)

    # Only the lenient interviewer has seen this candidate, yet the 4s are read as lower.
    estimates = ApplicationScoreState.objects.get(application=application).estimates
    assert all(estimates[key][0] < 4 for key in AREAS)


def test_calibration_removes_the_lenient_interviewers_lift(scored_opening):
    opening, applications, _, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)

    estimate = ApplicationScoreState.objects.get(application=applications[1]).estimates["communication"][0]

    # Ratings were 3 (lenient) and 2 (neutral): the calibrated skill lies between them.
    assert 2.0 <= estimate <= 3.0


def test_the_better_candidate_fits_better(scored_opening):
    opening, applications, _, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)

    ml_fits = [fits(application)["ml_engineer"].fit for application in applications]

    assert ml_fits == sorted(ml_fits)  # skill rises with the index
    assert ml_fits[0] < ml_fits[-1]


def test_recomputing_twice_writes_the_same_values(scored_opening):
    opening, _, _, _ = scored_opening(3)
    services.opening_recompute(opening_id=opening.pk)
    columns = ("application_id", "role_id", "fit", "lower", "upper", "meets_bars_probability")
    first = sorted(FitScore.objects.filter(application__opening=opening).values_list(*columns))

    services.opening_recompute(opening_id=opening.pk)

    assert sorted(FitScore.objects.filter(application__opening=opening).values_list(*columns)) == first
    assert FitScore.objects.filter(application__opening=opening).count() == 9


def test_the_batch_makes_a_constant_number_of_queries(scored_opening):
    small, _, _, _ = scored_opening(2)
    large, _, _, _ = scored_opening(12)
    services.opening_recompute(opening_id=small.pk)  # loads the calibration into this process

    with CaptureQueriesContext(connection) as few:
        services.opening_recompute(opening_id=small.pk)
    with CaptureQueriesContext(connection) as many:
        services.opening_recompute(opening_id=large.pk)

    assert len(many) == len(few)
    assert len(many) <= 30


def test_a_single_recompute_uses_the_latest_calibration(scored_opening):
    opening, applications, lenient, _ = scored_opening(4)
    services.opening_recompute(opening_id=opening.pk)
    before = fits(applications[3])["ml_engineer"].fit
    # A new calibration in which the lenient interviewer is not lenient at all.
    stored = Calibration.objects.get(rubric=opening.rubric_version.rubric)
    InterviewerOffset.objects.filter(interviewer=lenient).update(offset=0.0)
    Calibration.objects.filter(pk=stored.pk).update(computed_at=stored.computed_at.replace(year=2099))

    services.application_recompute(application_id=applications[3].pk)

    # Without the lenient interviewer's correction the candidate looks better.
    assert fits(applications[3])["ml_engineer"].fit > before


def test_scorecards_submitted_one_at_a_time_converge_to_the_full_batch_without_any_button(
    rubric_version, settings, django_capture_on_commit_callbacks
):
    # Submit after submit, the only scoring work is what the system does by itself: the
    # recompute each submit enqueues and the beat's calibration sweep (debounce off here).
    from assessments.models import Role
    from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory
    from tests.scoring.conftest import submit

    settings.CALIBRATION_QUIET_SECONDS = 0
    rng = np.random.default_rng(7)
    opening = OpeningFactory(role=Role.objects.get(key="data_scientist"))
    people = [UserFactory(username=f"panel_{i}") for i in range(4)]
    lean = [1, 0, 0, -1]
    for index in range(10):
        application = ApplicationFactory(opening=opening)
        panel = [people[index % 4], people[(index + 1) % 4]]
        interview = InterviewFactory(application=application, focus=AREAS, interviewers=panel)
        skill = rng.integers(2, 5, len(AREAS))
        for person in panel:
            levels = {
                key: int(np.clip(level + lean[people.index(person)], 1, 5))
                for key, level in zip(AREAS, skill, strict=True)
            }
            with django_capture_on_commit_callbacks(execute=True):
                submit(interview, person, levels)
            with django_capture_on_commit_callbacks(execute=True):
                calibration_sweep()
    stored = sorted(
        FitScore.objects.filter(application__opening=opening).values_list(
            "application_id", "role_id", "fit", "lower", "upper"
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        calibration.calibration_run(rubric_id=rubric_version.rubric_id, fan_out=False)
    services.opening_recompute(opening_id=opening.pk)

    batch = sorted(
        FitScore.objects.filter(application__opening=opening).values_list(
            "application_id", "role_id", "fit", "lower", "upper"
        )
    )
    assert len(stored) == len(batch) == 30
    np.testing.assert_allclose(np.array(stored, dtype=float), np.array(batch, dtype=float), atol=1e-6)
    offsets = {o.interviewer_id: o.offset for o in InterviewerOffset.objects.all()}
    assert offsets[people[0].pk] > 0.3 > -0.3 > offsets[people[3].pk]


def test_calibration_waits_for_a_quiet_minute_but_never_longer_than_the_staleness_bound(
    scored_opening, settings
):
    from datetime import timedelta

    from django.utils import timezone

    settings.CALIBRATION_QUIET_SECONDS = 60
    settings.CALIBRATION_MAX_STALENESS_MINUTES = 10
    opening, applications, lenient, _ = scored_opening(2)
    rubric_id = opening.rubric_version.rubric_id
    calibration.calibration_run(rubric_id=rubric_id, fan_out=False)
    assert calibration.calibrations_due() == []  # nothing newer than the calibration
    scorecard = applications[0].interviews.get().scorecards.get(interviewer=lenient)
    scorecard_amend(
        scorecard=scorecard,
        user=lenient,
        reason="Typo.",
        recommendation="yes",
        summary="",
        ratings=[RatingInput(key, 5) for key in AREAS],
    )
    now = timezone.now()

    assert calibration.calibrations_due(now=now) == []  # ratings still arriving
    assert calibration.calibrations_due(now=now + timedelta(seconds=61)) == [rubric_id]
    # Ratings that keep arriving cannot hold calibration back past the bound.
    Calibration.objects.filter(rubric_id=rubric_id).update(inputs_at=now - timedelta(minutes=12))
    type(scorecard).objects.filter(pk=scorecard.pk).update(amended_at=now - timedelta(minutes=11))
    second = applications[1].interviews.get().scorecards.get(interviewer=lenient)
    scorecard_amend(
        scorecard=second,
        user=lenient,
        reason="Typo.",
        recommendation="yes",
        summary="",
        ratings=[RatingInput(key, 4) for key in AREAS],
    )
    assert calibration.calibrations_due(now=timezone.now()) == [rubric_id]


def test_the_stored_calibration_covariance_is_read_without_pickle(scored_opening):
    opening, _, _, _ = scored_opening(2)
    stored = calibration.calibration_run(rubric_id=opening.rubric_version.rubric_id, fan_out=False)
    import pickle

    Calibration.objects.filter(pk=stored.pk).update(
        covariance=pickle.dumps(object()), computed_at=stored.computed_at.replace(year=2099)
    )

    with pytest.raises(ValueError, match="allow_pickle"):
        calibration.calibration_for(opening.rubric_version.rubric_id)


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
        # Contributions add up to the formula before the gate, which the fit never exceeds.
        assert sum(contributions) >= row.fit - 0.05
        assessed = {area.area for area in row.breakdown if area.n_ratings > 0}
        assert assessed == set(AREAS)


def test_the_fit_report_is_empty_before_scoring(rubric_version):
    from scoring.selectors import application_fit_report
    from tests.factories import ApplicationFactory

    assert application_fit_report(application=ApplicationFactory()) == []


def test_the_bulk_write_path_stores_what_the_plain_path_stores(scored_opening, monkeypatch):
    # Large batches write through binary COPY; small ones through plain statements.
    opening, _, _, _ = scored_opening(5)
    services.opening_recompute(opening_id=opening.pk)
    plain = stored_fits(application__opening=opening)
    plain_states = {s.application_id: (s.estimates, s.inputs_at) for s in ApplicationScoreState.objects.all()}
    FitScore.objects.all().delete()
    ApplicationScoreState.objects.all().delete()
    monkeypatch.setattr(services, "COPY_THRESHOLD", 0)

    services.opening_recompute(opening_id=opening.pk)

    bulk = stored_fits(application__opening=opening)
    assert bulk == plain
    below_bar = FIT_COLUMNS.index("below_bar")
    assert any(row[below_bar] for row in bulk)  # some below-bar lists went through the mask
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

    assert {
        "scoring.stale_scores_sweep",
        "scoring.calibration_sweep",
        "assessments.send_scorecard_reminders",
    } <= scheduled
    assert all(task in app.tasks for task in scheduled)
