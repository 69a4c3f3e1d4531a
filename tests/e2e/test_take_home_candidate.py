"""A candidate's take-home in a real browser, graded by a real Celery worker.

The candidate opens the link from the e-mail, downloads the data, and (in this test) trains
a real scikit-learn model on it, exports it with skl2onnx, uploads predictions, model and
contract and submits the final version. The worker grades it on the `grading` queue; the
candidate is shown no score, and the committee sees the report and a fit that moved.
"""

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest

from scoring.models import FitScore
from takehomes.models import GradingReport
from takehomes.services import take_home_send
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _train_and_export(train_csv: str, test_csv: str, positive: str, tmp_path):
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier

    train = list(csv.reader(io.StringIO(train_csv)))[1:]
    test = list(csv.reader(io.StringIO(test_csv)))[1:]
    x = np.array([[float(v) for v in row[:-1]] for row in train], dtype=np.float32)
    y = np.array([row[-1] for row in train])
    model = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(x, y)
    features = np.array([[float(v) for v in row[1:]] for row in test], dtype=np.float32)
    scores = model.predict_proba(features)[:, list(model.classes_).index(positive)]
    lines = ["row_id,label,score"] + [
        f"{row[0]},{label},{score:.6f}"
        for row, label, score in zip(test, model.predict(features), scores, strict=True)
    ]
    predictions = tmp_path / "predictions.csv"
    predictions.write_text("\n".join(lines) + "\n")
    onnx_path = tmp_path / "model.onnx"
    onnx_path.write_bytes(to_onnx(model, features[:1], options={"zipmap": False}).SerializeToString())
    return predictions, onnx_path


def test_a_candidate_hands_in_a_real_model_and_the_committee_sees_it_graded(
    celery_worker,
    live_server,
    new_page,
    log_in,
    screenshot,
    rubric_version,
    application,
    committee_member,
    mailoutbox,
    tmp_path,
):
    from takehomes.demo import demo_exercises_ensure

    exercise = demo_exercises_ensure()["ml_engineer"]
    application.opening.role = exercise.role
    application.opening.save()
    take_home, _ = take_home_send(application=application, exercise=exercise, actor=committee_member)
    link = re.search(r"http\S+/take-home/start/\S+/", mailoutbox[-1].body).group(0)
    token_path = link.split("://", 1)[1].split("/", 1)[1]
    fit_before = FitScore.objects.filter(application=application, role=exercise.role).first()

    page = new_page(width=1280, height=900)
    page.goto(f"{live_server.url}/{token_path}")
    page.get_by_role("button", name="Start the take-home").click()
    page.wait_for_load_state()
    with page.expect_download() as train_download:
        page.get_by_role("link", name=re.compile("Training data")).click()
    with page.expect_download() as test_download:
        page.get_by_role("link", name=re.compile("Test features")).click()
    predictions, model = _train_and_export(
        Path(train_download.value.path()).read_text(),
        Path(test_download.value.path()).read_text(),
        exercise.positive_class,
        tmp_path,
    )
    page.get_by_label("Predictions (CSV)").set_input_files(str(predictions))
    page.get_by_label("Model (ONNX)").set_input_files(str(model))
    page.get_by_label("F1 (0 to 1)").fill("0.95")
    page.get_by_label("Accuracy (0 to 1)").fill("0.96")
    page.get_by_label("Framework", exact=True).fill("scikit-learn")
    page.get_by_label("The metrics you optimised for").fill("F1 for malignant")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Saved." in page.content()
    page.get_by_role("button", name="Submit final").click()
    page.wait_for_load_state()
    screenshot(page, "take-home-candidate-submitted")
    assert "final submission is in" in page.content()

    report = wait_for(
        lambda: GradingReport.objects.filter(take_home=take_home, status=GradingReport.Status.GRADED).first(),
        timeout=60,
    )
    page.reload()
    candidate_page = page.content()
    f1 = f"{report.metrics['f1']['value']:.2f}"
    assert f1 not in candidate_page.replace("0.95", "")  # the claim they typed, never the measurement
    assert report.model_run["status"] == "ok"
    fit_after = wait_for(lambda: FitScore.objects.filter(application=application, role=exercise.role).first())
    assert fit_before is None or fit_after.coverage > fit_before.coverage

    committee = new_page(width=1280, height=900)
    log_in(committee, committee_member.username)
    committee.goto(f"{live_server.url}/review/take-homes/{take_home.pk}/")
    screenshot(committee, "take-home-report")
    assert "graded automatically" in committee.content().lower()
    assert committee.get_by_text("F1").first.is_visible()
