"""Take-home fixtures: the built-in exercises, a take-home sent to Ada, and real predictions.

Predictions come from a real scikit-learn model trained on the exercise's own training
file, as a candidate would make them.
"""

import csv
import io

import pytest


@pytest.fixture
def exercises(rubric_version):
    from takehomes.demo import demo_exercises_ensure

    return demo_exercises_ensure()


@pytest.fixture
def ds_exercise(exercises):
    return exercises["data_scientist"]


@pytest.fixture
def mle_exercise(exercises):
    return exercises["ml_engineer"]


def read_csv(field) -> tuple[list[str], list[list[str]]]:
    field.open("rb")
    try:
        rows = list(csv.reader(io.StringIO(field.read().decode())))
    finally:
        field.close()
    return rows[0], rows[1:]


def trained_model(exercise, **kwargs):
    """A logistic regression fitted on the exercise's training file: (model, test ids, test features)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _, train = read_csv(exercise.train_file)
    _, test = read_csv(exercise.test_features_file)
    x = np.array([[float(v) for v in row[:-1]] for row in train], dtype=np.float32)
    y = np.array([row[-1] for row in train])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, **kwargs)).fit(x, y)
    ids = [row[0] for row in test]
    features = np.array([[float(v) for v in row[1:]] for row in test], dtype=np.float32)
    return model, ids, features


def predictions_csv(exercise, *, flip: int = 0) -> bytes:
    """row_id,label,score from a real model; ``flip`` labels of the first rows turned wrong."""
    model, ids, features = trained_model(exercise)
    labels = list(model.predict(features))
    positive = list(model.classes_).index(exercise.positive_class)
    scores = model.predict_proba(features)[:, positive]
    other = {c for c in exercise.classes if c != exercise.positive_class}.pop()
    for index in range(flip):
        labels[index] = other if labels[index] == exercise.positive_class else exercise.positive_class
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row_id", "label", "score"])
    writer.writerows(
        [row_id, label, f"{score:.6f}"] for row_id, label, score in zip(ids, labels, scores, strict=True)
    )
    return out.getvalue().encode()


def onnx_bytes(exercise) -> bytes:
    from skl2onnx import to_onnx

    model, _, features = trained_model(exercise)
    return to_onnx(model, features[:1], options={"zipmap": False}).SerializeToString()


@pytest.fixture
def sent(application, ds_exercise, committee_member, mailoutbox, django_capture_on_commit_callbacks):
    """The Data Scientist take-home sent to Ada: (take_home, the link token from the e-mail)."""
    import re

    from takehomes.services import take_home_send

    with django_capture_on_commit_callbacks(execute=True):
        take_home, _ = take_home_send(application=application, exercise=ds_exercise, actor=committee_member)
    token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[-1].body).group(1)
    return take_home, token
