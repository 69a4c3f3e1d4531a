"""Take-home fixtures: real models for the grader and runner tests (scikit-learn fitted on breast
cancer, which ships offline, converted with skl2onnx, and hostile models built with onnx.helper), and
for the app's tests the built-in exercises, a take-home sent to Ada, and real predictions made from
the exercise's own training file, as a candidate would make them."""

import numpy as np
import pytest
from skl2onnx import to_onnx
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


@pytest.fixture(scope="session")
def breast_cancer():
    features, target = load_breast_cancer(return_X_y=True)
    return features.astype(np.float32), target


@pytest.fixture(scope="session")
def logistic_model(breast_cancer):
    features, target = breast_cancer
    model = LogisticRegression(max_iter=5000).fit(features, target)
    return model, to_onnx(model, features[:1], options={"zipmap": False})


@pytest.fixture(scope="session")
def logistic_zipmap_onnx(logistic_model, breast_cancer):
    return to_onnx(logistic_model[0], breast_cancer[0][:1])


@pytest.fixture(scope="session")
def forest_onnx(breast_cancer):
    features, target = breast_cancer
    model = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(features, target)
    return to_onnx(model, features[:1])


@pytest.fixture
def features_csv(tmp_path, breast_cancer):
    features, _ = breast_cancer
    path = tmp_path / "features.csv"
    lines = ["row_id," + ",".join(f"f{i}" for i in range(features.shape[1]))]
    lines += [f"r{i}," + ",".join(repr(float(v)) for v in row) for i, row in enumerate(features)]
    path.write_text("\n".join(lines) + "\n")
    return path


# The app: exercises, take-homes, candidates' work ---------------------------------------------


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


def predictions_csv(exercise, *, flip: int = 0) -> bytes:
    """row_id,label,score from a real model trained on the exercise's file (``flip`` rows turned wrong)."""
    from takehomes.demo import demo_work

    return demo_work(exercise, flip=flip)[0]


def onnx_bytes(exercise) -> bytes:
    """That model exported with skl2onnx (the exercise must ask for a model)."""
    from takehomes.demo import demo_work

    return demo_work(exercise)[1]


@pytest.fixture
def sent(application, ds_exercise, committee_member, mailoutbox, django_capture_on_commit_callbacks):
    """The Data Scientist take-home sent to Ada: (take_home, the link token from the e-mail)."""
    import re

    from takehomes.services import take_home_send

    with django_capture_on_commit_callbacks(execute=True):
        take_home, _ = take_home_send(application=application, exercise=ds_exercise, actor=committee_member)
    token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[-1].body).group(1)
    return take_home, token
