"""Uploaded ONNX models: described without running them, refused with a clear code when hostile."""

import onnx
import pytest
from onnx import TensorProto, helper

from takehomes.grader import UploadRejected
from takehomes.onnx_checks import model_inspect
from tests.takehomes import models

LIMIT = 10_000_000


def rejection_codes(data: bytes, max_bytes: int = LIMIT) -> list[str]:
    with pytest.raises(UploadRejected) as caught:
        model_inspect(data, max_bytes=max_bytes)
    assert all(problem.message for problem in caught.value.problems)
    return caught.value.codes


def test_logistic_regression_on_30_features_has_31_parameters_and_states_its_producer(logistic_model):
    facts = model_inspect(logistic_model[1].SerializeToString(), max_bytes=LIMIT)

    assert facts.parameters == 31 == logistic_model[0].coef_.size + logistic_model[0].intercept_.size
    assert facts.producer_name == "skl2onnx"
    assert facts.producer_version
    assert facts.opset[""] >= 9
    assert "ai.onnx.ml" in facts.opset
    assert facts.inputs == (("X", "tensor(float)", (None, 30)),)
    assert facts.outputs == ("label", "probabilities")
    assert facts.as_dict()["inputs"] == [{"name": "X", "type": "tensor(float)", "shape": [None, 30]}]


def test_a_random_forest_counts_its_thresholds_and_leaf_values_as_parameters(forest_onnx):
    facts = model_inspect(forest_onnx.SerializeToString(), max_bytes=LIMIT)

    tree = next(node for node in forest_onnx.graph.node if node.op_type == "TreeEnsembleClassifier")
    thresholds = len(next(a for a in tree.attribute if a.name == "nodes_values").floats)
    assert facts.parameters > 100
    assert facts.parameters >= thresholds
    assert facts.outputs == ("output_label", "output_probability")


def test_initializers_count_as_parameters(tmp_path):
    weight = helper.make_tensor("weight", TensorProto.FLOAT, [30, 2], [0.0] * 60)
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])
    model = models.graph_model([helper.make_node("MatMul", ["X", "weight"], ["Y"])], [output], [weight])

    assert model_inspect(model.SerializeToString(), max_bytes=LIMIT).parameters == 60


def test_bytes_that_are_not_onnx_are_refused_as_not_onnx():
    assert rejection_codes(b"\x80\x04\x95 a pickle, say") == ["not_onnx"]
    assert rejection_codes(b"") == ["not_onnx"]


def test_a_model_over_the_size_limit_is_refused_before_parsing(logistic_model):
    assert rejection_codes(logistic_model[1].SerializeToString(), max_bytes=100) == ["too_large"]


def test_a_node_of_a_custom_domain_is_refused():
    assert rejection_codes(models.custom_op_model().SerializeToString()) == ["custom_op_domain"]


def test_a_model_local_function_in_a_custom_domain_is_refused():
    function = helper.make_function(
        "com.evil",
        "Twice",
        ["a"],
        ["b"],
        [helper.make_node("Add", ["a", "a"], ["b"])],
        [helper.make_opsetid("", 17)],
    )
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 30])
    model = models.graph_model(
        [helper.make_node("Twice", ["X"], ["Y"], domain="com.evil")],
        [output],
        opsets=(("", 17), ("com.evil", 1)),
        functions=[function],
    )

    assert rejection_codes(model.SerializeToString()) == ["custom_op_domain"]


def test_a_tensor_with_external_data_is_refused():
    codes = rejection_codes(models.external_data_model().SerializeToString())

    assert codes == ["external_data"]


def test_external_data_inside_a_loop_body_is_found_too():
    model = models.endless_loop()
    body = model.graph.node[0].attribute[0].g
    body.initializer[0].data_location = TensorProto.EXTERNAL

    assert rejection_codes(model.SerializeToString()) == ["external_data"]


def test_a_model_the_checker_refuses_is_invalid_onnx():
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 30])
    model = models.graph_model([helper.make_node("Relu", ["nowhere"], ["Y"])], [output])

    assert rejection_codes(model.SerializeToString()) == ["invalid_onnx"]


def test_hostile_models_that_only_misbehave_when_run_pass_the_static_checks():
    for model in (models.memory_bomb(), models.endless_loop()):
        onnx.checker.check_model(model)
        assert model_inspect(model.SerializeToString(), max_bytes=LIMIT).producer_name == ""
