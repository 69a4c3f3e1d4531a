"""Real models for the take-home tests: scikit-learn fitted on breast cancer (ships offline), converted
with skl2onnx, and hostile models built with onnx.helper."""

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
