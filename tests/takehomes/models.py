"""Models built by hand with onnx.helper for the take-home tests: hostile ones and broken ones."""

import numpy as np
import onnx
from onnx import TensorProto, helper


def model_write(tmp_path, model: onnx.ModelProto, name: str = "model.onnx"):
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return path


FEATURES = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 30])


def graph_model(nodes, outputs, initializers=(), opsets=(("", 17),), **model_fields) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "hostile", [FEATURES], outputs, initializer=list(initializers))
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(domain, version) for domain, version in opsets],
        **model_fields,
    )


def memory_bomb() -> onnx.ModelProto:
    """ConstantOfShape of max(shape(X), [100000, 100000]): 40 GB, computed at run time so neither the
    checker nor constant folding sees it."""
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, None])
    big = helper.make_tensor("big", TensorProto.INT64, [2], [100_000, 100_000])
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    nodes = [
        helper.make_node("Shape", ["X"], ["shape_of_x"]),
        helper.make_node("Max", ["shape_of_x", "big"], ["shape"]),
        helper.make_node("ConstantOfShape", ["shape"], ["Y"], value=one),
    ]
    return graph_model(nodes, [output], [big])


def endless_loop() -> onnx.ModelProto:
    """A Loop of 2^62 iterations adding 1 to the features."""
    state = [None, 30]
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
            helper.make_node("Add", ["v_in", "one"], ["v_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_in", TensorProto.FLOAT, state),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", TensorProto.FLOAT, state),
        ],
        initializer=[helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])],
    )
    initializers = [
        helper.make_tensor("trips", TensorProto.INT64, [], [2**62]),
        helper.make_tensor("keep_going", TensorProto.BOOL, [], [True]),
    ]
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, state)
    return graph_model(
        [helper.make_node("Loop", ["trips", "keep_going", "X"], ["Y"], body=body)], [output], initializers
    )


def custom_op_model() -> onnx.ModelProto:
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 30])
    node = helper.make_node("Steal", ["X"], ["Y"], domain="com.evil")
    return graph_model([node], [output], opsets=(("", 17), ("com.evil", 1)))


def external_data_model() -> onnx.ModelProto:
    """An Add whose weight claims to live in /etc/passwd."""
    weight = helper.make_tensor("weight", TensorProto.FLOAT, [30], np.zeros(30, dtype=np.float32))
    weight.ClearField("float_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "/etc/passwd"), ("offset", "0"), ("length", "120")):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 30])
    return graph_model([helper.make_node("Add", ["X", "weight"], ["Y"])], [output], [weight])


def failing_model() -> onnx.ModelProto:
    """Reshape to a shape that cannot hold the input: fails at run time, not at load."""
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [7, 11])
    output = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [7, 11])
    nodes = [helper.make_node("Reshape", ["X", "shape"], ["Y"])]
    return graph_model(nodes, [output], [shape])
