"""An uploaded ONNX model, read and refused or described without running it. Pure, no Django.

The bytes are parsed as a protobuf (``onnx.load_model_from_string``): nothing is unpickled, imported or
executed. A model is refused (``UploadRejected``, one ``Problem`` per reason) when it is

- larger than ``max_bytes``                                 (too_large)
- not an ONNX ModelProto                                    (not_onnx)
- importing or using an operator domain outside ALLOWED_DOMAINS, or defining model-local functions
  in one: such operators need a custom-op library, which is native code (custom_op_domain)
- holding any tensor whose data lives outside the file (data_location EXTERNAL or external_data
  entries): the runtime would read a path of the uploader's choosing (external_data)
- rejected by ``onnx.checker.check_model``                  (invalid_onnx)

Every graph is walked, subgraphs of control-flow nodes (Loop, If, Scan bodies) and function bodies
included.

Parameters (``ModelFacts.parameters``) are the learned numbers the file holds:

    parameters = sum of initializer elements (dense and sparse, in every graph)
               + sum of float-valued attribute elements (FLOAT, FLOATS, float TENSOR / TENSORS) of
                 ai.onnx.ml nodes

because scikit-learn converters keep a linear model's coefficients and a tree ensemble's thresholds
and leaf values in node attributes, not initializers. Integer attributes of those nodes (class
labels, node and feature ids, modes) are the model's structure and are not counted. skl2onnx writes
a binary linear classifier (one weight vector w, bias b) as two mirrored rows (-w, w) and (-b, b); a
two-class LinearClassifier whose rows are exact negatives counts once, so logistic regression on 30
features has 31 parameters, as scikit-learn's coef_ and intercept_ do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import onnx
from google.protobuf.message import DecodeError

from takehomes.grader import Problem, UploadRejected, few

ALLOWED_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
ML_DOMAIN = "ai.onnx.ml"
CHECKER_MESSAGE_CHARS = 300  # the checker's message, cut for the candidate
FLOAT_TENSOR_TYPES = frozenset(
    {
        onnx.TensorProto.FLOAT,
        onnx.TensorProto.DOUBLE,
        onnx.TensorProto.FLOAT16,
        onnx.TensorProto.BFLOAT16,
    }
)


@dataclass(frozen=True)
class ModelFacts:
    """What an accepted model says about itself. ``opset`` maps domain ("" is the default) to version;
    ``inputs`` are (name, element type, shape) with None or a symbol for dynamic dimensions."""

    producer_name: str
    producer_version: str
    ir_version: int
    opset: dict[str, int]
    inputs: tuple[tuple[str, str, tuple[int | str | None, ...]], ...]
    outputs: tuple[str, ...]
    parameters: int
    nodes: int
    size_bytes: int

    def as_dict(self) -> dict[str, Any]:
        facts = asdict(self)
        facts["inputs"] = [{"name": n, "type": t, "shape": list(s)} for n, t, s in self.inputs]
        facts["outputs"] = list(self.outputs)
        return facts


def model_inspect(data: bytes, *, max_bytes: int) -> ModelFacts:
    """Check uploaded model bytes and describe them; raises ``UploadRejected`` (codes in the module
    docstring). Never runs the model."""
    if len(data) > max_bytes:
        raise UploadRejected(
            [Problem("too_large", f"The model is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")]
        )
    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError):
        model = None
    if model is None or not model.ir_version or not model.HasField("graph"):
        raise UploadRejected([Problem("not_onnx", "The file is not an ONNX model (a .onnx ModelProto).")])

    problems = []
    custom = custom_domains(model)
    if custom:
        problems.append(
            Problem(
                "custom_op_domain",
                f"The model uses operators of domain {few(custom, quote=True)}; only the standard ONNX "
                "operators (ai.onnx and ai.onnx.ml) can be run.",
            )
        )
    external = external_tensors(model)
    if external:
        problems.append(
            Problem(
                "external_data",
                f"Tensor {few(external, quote=True)} keeps its data in a separate file; save the model with "
                "all weights inside (onnx.save_model(..., save_as_external_data=False)).",
            )
        )
    if problems:
        raise UploadRejected(problems)
    try:
        onnx.checker.check_model(model)
    except (onnx.checker.ValidationError, ValueError, RuntimeError) as error:
        message = str(error).strip().splitlines()[0][:CHECKER_MESSAGE_CHARS] if str(error).strip() else ""
        raise UploadRejected(
            [Problem("invalid_onnx", f"The ONNX checker refused the model: {message}")]
        ) from None

    opset: dict[str, int] = {}
    for entry in model.opset_import:
        opset[entry.domain] = max(opset.get(entry.domain, 0), int(entry.version))
    initializer_names = {tensor.name for tensor in model.graph.initializer}
    inputs = tuple(
        (value.name, _type_name(value.type), _shape(value.type))
        for value in model.graph.input
        if value.name not in initializer_names
    )
    return ModelFacts(
        producer_name=model.producer_name,
        producer_version=model.producer_version,
        ir_version=int(model.ir_version),
        opset=opset,
        inputs=inputs,
        outputs=tuple(value.name for value in model.graph.output),
        parameters=parameter_count(model),
        nodes=sum(1 for _ in _nodes(model)),
        size_bytes=len(data),
    )


def _graphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    """``graph`` and every subgraph below it."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from _graphs(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    yield from _graphs(subgraph)


def _all_graphs(model: onnx.ModelProto) -> Iterator[onnx.GraphProto]:
    yield from _graphs(model.graph)
    for function in model.functions:
        for node in function.node:
            for attribute in node.attribute:
                if attribute.type == onnx.AttributeProto.GRAPH:
                    yield from _graphs(attribute.g)
                elif attribute.type == onnx.AttributeProto.GRAPHS:
                    for subgraph in attribute.graphs:
                        yield from _graphs(subgraph)


def _nodes(model: onnx.ModelProto) -> Iterator[onnx.NodeProto]:
    for graph in _all_graphs(model):
        yield from graph.node
    for function in model.functions:
        yield from function.node


def custom_domains(model: onnx.ModelProto) -> list[str]:
    """Operator domains outside ALLOWED_DOMAINS that the model imports, uses or defines functions in."""
    found = dict.fromkeys(
        [entry.domain for entry in model.opset_import]
        + [node.domain for node in _nodes(model)]
        + [function.domain for function in model.functions]
        + [entry.domain for function in model.functions for entry in function.opset_import]
    )
    return [domain for domain in found if domain not in ALLOWED_DOMAINS]


def _tensors(model: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    """Every tensor in the file: initializers (dense and sparse) and tensor-valued attributes."""
    for graph in _all_graphs(model):
        yield from graph.initializer
        for sparse in graph.sparse_initializer:
            yield sparse.values
            yield sparse.indices
    for node in _nodes(model):
        for attribute in node.attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("sparse_tensor"):
                yield attribute.sparse_tensor.values
                yield attribute.sparse_tensor.indices
            for sparse in attribute.sparse_tensors:
                yield sparse.values
                yield sparse.indices


def external_tensors(model: onnx.ModelProto) -> list[str]:
    """Names of tensors whose data is stored outside the file."""
    return [
        tensor.name or "(unnamed)"
        for tensor in _tensors(model)
        if tensor.data_location == onnx.TensorProto.EXTERNAL or len(tensor.external_data) > 0
    ]


def _elements(tensor: onnx.TensorProto) -> int:
    return int(np.prod(tensor.dims, dtype=np.int64)) if len(tensor.dims) else 1


def parameter_count(model: onnx.ModelProto) -> int:
    """Learned numbers in the model (rule in the module docstring)."""
    total = 0
    for graph in _all_graphs(model):
        total += sum(_elements(tensor) for tensor in graph.initializer)
        total += sum(_elements(sparse.values) for sparse in graph.sparse_initializer)
    for node in _nodes(model):
        if node.domain != ML_DOMAIN:
            continue
        mirrored = _mirrored_binary_rows(node)
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.FLOAT:
                total += 1
            elif attribute.type == onnx.AttributeProto.FLOATS:
                count = len(attribute.floats)
                total += count // 2 if attribute.name in mirrored else count
            elif attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type in FLOAT_TENSOR_TYPES:
                total += _elements(attribute.t)
            elif attribute.type == onnx.AttributeProto.TENSORS:
                total += sum(_elements(t) for t in attribute.tensors if t.data_type in FLOAT_TENSOR_TYPES)
    return total


def _mirrored_binary_rows(node: onnx.NodeProto) -> set[str]:
    """{"coefficients", "intercepts"} when ``node`` is a two-class LinearClassifier storing one weight
    vector as two rows of opposite sign (skl2onnx's binary encoding); else empty."""
    if node.op_type != "LinearClassifier":
        return set()
    attributes = {attribute.name: attribute for attribute in node.attribute}
    classes = attributes.get("classlabels_ints") or attributes.get("classlabels_strings")
    if classes is None or len(classes.ints) + len(classes.strings) != 2:
        return set()
    coefficients = np.asarray(attributes["coefficients"].floats) if "coefficients" in attributes else None
    intercepts = np.asarray(attributes["intercepts"].floats) if "intercepts" in attributes else np.zeros(2)
    if coefficients is None or coefficients.size % 2 or intercepts.size != 2:
        return set()
    first, second = np.split(coefficients, 2)
    if np.array_equal(first, -second) and intercepts[0] == -intercepts[1]:
        return {"coefficients", "intercepts"}
    return set()


def _type_name(value_type: onnx.TypeProto) -> str:
    kind = value_type.WhichOneof("value")
    if kind == "tensor_type":
        return f"tensor({onnx.TensorProto.DataType.Name(value_type.tensor_type.elem_type).lower()})"
    return kind or "unknown"


def _shape(value_type: onnx.TypeProto) -> tuple[int | str | None, ...]:
    if value_type.WhichOneof("value") != "tensor_type" or not value_type.tensor_type.HasField("shape"):
        return ()
    return tuple(
        dim.dim_value if dim.HasField("dim_value") else (dim.dim_param or None)
        for dim in value_type.tensor_type.shape.dim
    )
