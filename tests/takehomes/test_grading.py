"""Grading a final submission end to end in-process: predictions, the model run apart, the contract, fit."""

import io

import pytest

from config.errors import ApplicationError
from hiring.models import Interview
from scoring.models import FitScore
from takehomes import grading
from takehomes.models import GradingReport, Submission, TakeHome
from takehomes.services import submission_finalise, submission_upload, take_home_open, take_home_send
from tests.takehomes import models as hostile
from tests.takehomes.conftest import onnx_bytes, predictions_csv

pytestmark = pytest.mark.django_db

HONEST = {
    "accuracy": 0.97,
    "precision": 0.96,
    "sensitivity": 0.95,
    "f1": 0.96,
    "latency_p95_ms": 0.05,
    "peak_memory_mb": 150,
    "parameters": 91,  # the scaler's 30 means and 30 scales, 30 weights and a bias
    "framework": "scikit-learn",
    "framework_version": "skl2onnx 1.20",
    "opset": 17,
    "data_split": "Stratified 80/20 with a fixed seed.",
    "optimisation_metrics": "F1",
}


class Upload(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.size = len(data)


@pytest.fixture
def opened(application, mle_exercise, mailoutbox, django_capture_on_commit_callbacks):
    """The ML Engineer take-home sent to Ada and opened."""
    import re

    with django_capture_on_commit_callbacks(execute=True):
        take_home_send(application=application, exercise=mle_exercise)
    token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[-1].body).group(1)
    return take_home_open(token=token)


@pytest.fixture
def fast_limits(monkeypatch):
    # Hostile models are stopped by the limits; short ones keep the test quick.
    monkeypatch.setattr(grading, "MODEL_CPU_SECONDS", 3)
    monkeypatch.setattr(grading, "MODEL_WALL_SECONDS", 6)
    monkeypatch.setattr(grading, "MODEL_MEMORY_MB", 512)


def hand_in(take_home, *, model: bytes, contract=HONEST, capture):
    submission_upload(
        take_home=take_home,
        predictions=Upload(predictions_csv(take_home.exercise)),
        model=Upload(model),
        contract=contract,
    )
    with capture(execute=True):
        submission_finalise(take_home=take_home)
    return GradingReport.objects.get(take_home=take_home)


def test_a_model_is_measured_apart_its_contract_checked_and_its_grade_reaches_fit(
    opened, django_capture_on_commit_callbacks
):
    report = hand_in(opened, model=onnx_bytes(opened.exercise), capture=django_capture_on_commit_callbacks)

    items = {item["key"]: item for item in report.contract["items"]}
    assert report.status == GradingReport.Status.GRADED
    assert report.model_run["status"] == "ok"
    assert report.model_run["latency_p95_ms"] > 0
    assert report.model_run["agreement_with_predictions"] == 1.0
    assert report.model_run["model"]["parameters"] == 91
    assert items["f1"]["verdict"] == "within"
    assert items["parameters"]["verdict"] == "within"
    assert items["framework"]["verdict"] == "within"
    assert items["latency_p95_ms"]["budget_verdict"] == "met"
    assert set(report.levels) == {"ml_modelling", "production_deployment", "handover_contract"}
    assert report.levels["production_deployment"]["level"] == 5
    scorecard = report.scorecard
    assert scorecard.is_submitted
    assert scorecard.interviewer.username == grading.GRADER_USERNAME
    assert scorecard.interview.kind == Interview.Kind.TAKE_HOME
    assert {rating.area.key: rating.level for rating in scorecard.ratings.all()} == {
        key: value["level"] for key, value in report.levels.items()
    }
    fit = FitScore.objects.get(application=opened.application, role=opened.application.opening.role)
    assert fit.coverage > 0
    assert TakeHome.objects.get(pk=opened.pk).status == TakeHome.Status.GRADED


def test_an_over_claimed_contract_is_called_so(opened, django_capture_on_commit_callbacks):
    boastful = {**HONEST, "f1": 0.999, "accuracy": 0.999, "latency_p95_ms": 0.0001}

    report = hand_in(
        opened,
        model=onnx_bytes(opened.exercise),
        contract=boastful,
        capture=django_capture_on_commit_callbacks,
    )

    items = {item["key"]: item for item in report.contract["items"]}
    assert items["f1"]["verdict"] == "over_claimed"
    assert items["latency_p95_ms"]["verdict"] == "over_claimed"
    assert report.contract["honesty"] < 1


def test_grading_twice_changes_nothing(opened, django_capture_on_commit_callbacks):
    report = hand_in(opened, model=onnx_bytes(opened.exercise), capture=django_capture_on_commit_callbacks)

    again = grading.take_home_grade(take_home_id=opened.pk)

    assert again.pk == report.pk
    assert again.graded_at == report.graded_at
    assert (
        Interview.objects.filter(application=opened.application, kind=Interview.Kind.TAKE_HOME).count() == 1
    )


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (b"\x80\x04\x95 this is a pickle, not ONNX", "ONNX"),
        (hostile.custom_op_model().SerializeToString(), "domain"),
        (hostile.external_data_model().SerializeToString(), "external"),
    ],
    ids=["not-onnx", "custom-op-domain", "external-data"],
)
def test_a_file_that_is_not_a_plain_onnx_model_is_refused_at_upload_and_nothing_is_stored(
    opened, model, says
):
    with pytest.raises(ApplicationError) as refused:
        submission_upload(
            take_home=opened, predictions=Upload(predictions_csv(opened.exercise)), model=Upload(model)
        )

    assert refused.value.code == "upload_invalid"
    assert says.lower() in refused.value.fields["model"].lower()
    submission = Submission.objects.get(take_home=opened)
    assert not submission.model_file
    assert not submission.predictions_file  # the good file of a refused upload is not kept either


@pytest.mark.parametrize(
    ("model", "status"),
    [(hostile.memory_bomb, "exceeded_memory"), (hostile.endless_loop, "exceeded_time")],
    ids=["memory", "time"],
)
def test_a_model_that_overruns_its_limits_is_an_item_of_the_report_not_a_crash(
    opened, fast_limits, django_capture_on_commit_callbacks, model, status
):
    report = hand_in(opened, model=model().SerializeToString(), capture=django_capture_on_commit_callbacks)

    items = {item["key"]: item for item in report.contract["items"]}
    assert report.status == GradingReport.Status.GRADED
    assert report.model_run["status"] == status
    assert report.metrics["f1"]["value"] > 0.9  # the predictions are still graded
    assert items["latency_p95_ms"]["verdict"] == "not_measured"
    assert "production_deployment" not in report.levels


def test_the_same_predictions_file_from_two_candidates_is_flagged(
    ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    import re

    from tests.factories import ApplicationFactory

    reports = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            take_home_send(application=ApplicationFactory(), exercise=ds_exercise)
        token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[-1].body).group(1)
        take_home = take_home_open(token=token)
        submission_upload(take_home=take_home, predictions=Upload(predictions_csv(ds_exercise, flip=3)))
        with django_capture_on_commit_callbacks(execute=True):
            submission_finalise(take_home=take_home)
        reports.append(GradingReport.objects.get(take_home=take_home))

    first, second = reports
    assert first.flags == []
    assert [flag["kind"] for flag in second.flags] == ["identical_predictions"]
    assert second.flags[0]["take_home"] == first.take_home_id


def test_erasing_the_candidate_deletes_their_files_and_contract_text_and_keeps_the_grade(
    opened, recruiter, django_capture_on_commit_callbacks
):
    from hiring.services import candidate_erase

    report = hand_in(opened, model=onnx_bytes(opened.exercise), capture=django_capture_on_commit_callbacks)
    submission = Submission.objects.get(take_home=opened)
    storage = submission.predictions_file.storage
    files = [submission.predictions_file.name, submission.model_file.name]
    assert all(storage.exists(name) for name in files)

    with django_capture_on_commit_callbacks(execute=True):
        candidate_erase(candidate=opened.application.candidate, actor=recruiter)

    submission.refresh_from_db()
    assert not submission.predictions_file
    assert not submission.model_file
    assert not any(storage.exists(name) for name in files)
    assert "data_split" not in submission.contract
    assert submission.contract["f1"] == HONEST["f1"]
    assert GradingReport.objects.get(pk=report.pk).metrics == report.metrics
