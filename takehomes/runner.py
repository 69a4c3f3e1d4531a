"""Run an uploaded ONNX model on the test features and measure it: a program of its own, no Django.

    python -m takehomes.runner --model PATH --features PATH --out PATH [--positive LABEL]
                               [--calls 200] [--warmup 20]

``takehomes.sandbox`` starts it in a fresh process under resource limits, a clean environment and
(where the machine allows) no network; it must never be imported by the web or worker process.

1. Load. The model file is parsed as a protobuf and refused if any tensor keeps its data outside the
   file (re-checked here although uploads are checked, so a runner never reads a path of the
   uploader's choosing). The session is onnxruntime's CPUExecutionProvider with one intra-op and one
   inter-op thread (latency comparable across candidates) and no custom-op library: none is ever
   registered, so operators outside the standard domains fail to load.
2. Features. CSV with header ``row_id,f1,...,fk``, every feature numeric, no quoting (the platform
   writes it). Cast to the model input's element type (float32 unless the model asks for double).
3. Measure. ``--warmup`` single-row calls, then ``--calls`` single-row calls timed one by one with
   perf_counter (rows taken in turn from the test set): latency p50 and p95 in ms. Then one call on
   the whole test set: throughput = rows / that call's seconds, and the predictions.
4. Predictions. The label output (an integer or string tensor, "label" in its name preferred) gives
   the labels, as strings. Probabilities are a float tensor [n, k] (skl2onnx with zipmap=False) or a
   sequence of {class: probability} maps (ZipMap); the score is the positive class's probability.
   For a tensor, the column order is the class labels the ai.onnx.ml node states; failing that, each
   column is matched to the label predicted most often where that column is largest.
5. Output (``--out``), JSON:

       {"latency_ms": {"p50", "p95"}, "throughput_rows_per_s", "peak_rss_mb", "rows", "row_ids",
        "labels", "scores" (null without --positive or probabilities), "timings": {"load_s",
        "measure_s", "predict_s"}}

   peak_rss_mb is this process's peak resident set (VmHWM, see peak_rss_kib); baseline_rss_mb the same once
   Python, onnxruntime and the test features are loaded, before the model is; model_memory_mb is
   their difference, the memory serving the model takes (what a contract's memory budget means).
   measure_s covers the timed calls and the batch call; load_s everything before them, from the
   interpreter's start.
   On failure: {"error": code, "detail": text} and exit status 2. Codes: bad_arguments,
   external_data, invalid_model, unsupported_model (inputs or outputs it cannot drive), bad_features,
   exceeded_memory (an allocation failed), model_failed (the model raised while running),
   runner_failed (anything else).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

PROCESS_START = time.perf_counter()

import numpy as np  # noqa: E402  (timed from the interpreter's start)
import onnxruntime as ort  # noqa: E402

EXIT_FAILED = 2
DETAIL_CHARS = 500
MEMORY_MARKERS = (
    "bad_alloc",
    "bad allocation",
    "failed to allocate",
    "cannot allocate",
    "out of memory",
    "memoryerror",
)


class RunnerError(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail[:DETAIL_CHARS]


def _model_proto_class() -> Any:
    """onnx's ModelProto message class without importing the onnx package (which costs about a second
    at start-up, mostly its numeric types): the generated onnx_ml_pb2 module needs only protobuf."""
    if "onnx" in sys.modules:
        return sys.modules["onnx"].ModelProto
    spec = importlib.util.find_spec("onnx")
    if spec is None or not spec.submodule_search_locations:
        raise RunnerError("invalid_model", "the onnx package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "onnx_ml_pb2.py"
    module_spec = importlib.util.spec_from_file_location("_takehomes_onnx_ml_pb2", path)
    if module_spec is None or module_spec.loader is None:
        raise RunnerError("invalid_model", "onnx's protobuf definitions are missing")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.ModelProto


EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL
GRAPH, GRAPHS = 5, 10  # AttributeProto.AttributeType


def _graphs(graph: Any):
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == GRAPH:
                yield from _graphs(attribute.g)
            elif attribute.type == GRAPHS:
                for subgraph in attribute.graphs:
                    yield from _graphs(subgraph)


def _external_tensors(model: Any) -> list[str]:
    tensors = []
    nodes = [node for function in model.functions for node in function.node]
    for graph in _graphs(model.graph):
        tensors += list(graph.initializer)
        tensors += [sparse.values for sparse in graph.sparse_initializer]
        nodes += list(graph.node)
    for node in nodes:
        for attribute in node.attribute:
            if attribute.HasField("t"):
                tensors.append(attribute.t)
            tensors += list(attribute.tensors)
            if attribute.HasField("sparse_tensor"):
                tensors.append(attribute.sparse_tensor.values)
            tensors += [sparse.values for sparse in attribute.sparse_tensors]
    return [t.name for t in tensors if t.data_location == EXTERNAL or len(t.external_data) > 0]


def _class_labels(model: Any) -> list[str] | None:
    """The class labels of the model's ai.onnx.ml classifier node, in its column order."""
    for graph in _graphs(model.graph):
        for node in graph.node:
            if node.domain != "ai.onnx.ml":
                continue
            for attribute in node.attribute:
                if attribute.name in ("classlabels_ints", "classlabels_int64s") and attribute.ints:
                    return [str(value) for value in attribute.ints]
                if attribute.name == "classlabels_strings" and attribute.strings:
                    return [value.decode() for value in attribute.strings]
    return None


def session_load(data: bytes) -> tuple[ort.InferenceSession, list[str] | None]:
    model_proto = _model_proto_class()
    model = model_proto()
    try:
        model.ParseFromString(data)
    except Exception as error:  # protobuf's DecodeError, whichever implementation
        raise RunnerError("invalid_model", f"not an ONNX model: {error}") from None
    external = _external_tensors(model)
    if external:
        raise RunnerError("external_data", f"tensors keep data outside the file: {', '.join(external[:3])}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:
        raise _classified(error, "invalid_model") from None
    return session, _class_labels(model)


def _classified(error: BaseException, code: str) -> RunnerError:
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, MemoryError) or any(marker in text.lower() for marker in MEMORY_MARKERS):
        return RunnerError("exceeded_memory", text)
    return RunnerError(code, text)


def features_read(path: Path) -> tuple[list[str], np.ndarray]:
    """Row ids and the feature matrix (float64) of a features CSV (format in the module docstring)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RunnerError("bad_features", str(error)) from None
    lines = text.splitlines()
    if len(lines) < 2:
        raise RunnerError("bad_features", "the features file has no rows")
    header = lines[0].split(",")
    if header[0].strip() != "row_id" or len(header) < 2:
        raise RunnerError("bad_features", "the header must be row_id,f1,...")
    body = [line for line in lines[1:] if line.strip()]
    row_ids = [line.split(",", 1)[0].strip() for line in body]
    try:
        matrix = np.loadtxt(body, delimiter=",", usecols=range(1, len(header)), dtype=np.float64, ndmin=2)
    except ValueError as error:
        raise RunnerError("bad_features", str(error)) from None
    return row_ids, matrix


def _input_dtype(session: ort.InferenceSession) -> tuple[str, type]:
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise RunnerError("unsupported_model", f"the model must take one input; it takes {len(inputs)}")
    kind = inputs[0].type
    dtypes = {"tensor(float)": np.float32, "tensor(double)": np.float64}
    if kind not in dtypes:
        raise RunnerError("unsupported_model", f"the model's input must be a float tensor; it is {kind}")
    return inputs[0].name, dtypes[kind]


def predictions_extract(
    outputs: list[Any], names: list[str], rows: int, *, positive: str | None, class_labels: list[str] | None
) -> tuple[list[Any], list[float] | None]:
    """Labels (strings, or numbers for a single float output) and the positive class's scores."""
    label_output = None
    probabilities = None
    for _name, value in sorted(zip(names, outputs, strict=True), key=lambda pair: "label" not in pair[0]):
        if isinstance(value, list):
            if probabilities is None:
                probabilities = value
        elif isinstance(value, np.ndarray):
            flat = value.reshape(rows, -1) if value.size and value.shape[0] == rows else None
            if flat is None:
                continue
            if value.dtype.kind in "iuUSOb" and flat.shape[1] == 1 and label_output is None:
                label_output = flat[:, 0]
            elif value.dtype.kind == "f" and probabilities is None:
                probabilities = flat
    if label_output is None and isinstance(probabilities, np.ndarray):
        if probabilities.shape[1] == 1:  # a regressor (or a one-column score): the value is the label
            return probabilities[:, 0].astype(float).tolist(), None
        if class_labels and len(class_labels) == probabilities.shape[1]:
            label_output = np.asarray(class_labels)[probabilities.argmax(axis=1)]
    if label_output is None:
        raise RunnerError("unsupported_model", f"no label output among {', '.join(names)}")
    labels = [str(label) for label in label_output.tolist()]
    if positive is None or probabilities is None:
        return labels, None
    if isinstance(probabilities, list):
        if len(probabilities) != rows or not all(isinstance(entry, dict) for entry in probabilities[:1]):
            return labels, None
        keys = {str(key): key for key in probabilities[0]}
        if positive not in keys:
            return labels, None
        key = keys[positive]
        return labels, [float(entry[key]) for entry in probabilities]
    columns = _columns(probabilities, labels, class_labels)
    if positive not in columns:
        return labels, None
    return labels, probabilities[:, columns.index(positive)].astype(float).tolist()


def _columns(probabilities: np.ndarray, labels: list[str], class_labels: list[str] | None) -> list[str]:
    if probabilities.shape[1] == 1:
        return []
    if class_labels and len(class_labels) == probabilities.shape[1]:
        return class_labels
    winners = probabilities.argmax(axis=1)
    label_array = np.asarray(labels)
    columns = []
    for column in range(probabilities.shape[1]):
        chosen = label_array[winners == column]
        values, counts = np.unique(chosen, return_counts=True)
        columns.append(str(values[counts.argmax()]) if counts.size else f"column {column}")
    return columns


def peak_rss_kib() -> int:
    """This process's peak resident set in KiB: ``VmHWM`` of /proc/self/status.

    Not ``ru_maxrss``: a child forked from a large worker (forked, not spawned, because the
    limits are set between fork and exec) keeps the parent's size as its maxrss across exec,
    while VmHWM belongs to the program's own address space, new at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(args: argparse.Namespace) -> dict[str, Any]:
    row_ids, matrix = features_read(Path(args.features))
    # The runtime and the test features are loaded; what the peak adds from here is the model's.
    baseline_kib = peak_rss_kib()
    data = Path(args.model).read_bytes()
    session, class_labels = session_load(data)
    input_name, dtype = _input_dtype(session)
    features = np.ascontiguousarray(matrix, dtype=dtype)
    output_names = [output.name for output in session.get_outputs()]
    rows = features.shape[0]
    loaded = time.perf_counter()

    try:
        for i in range(args.warmup):
            session.run(None, {input_name: features[i % rows : i % rows + 1]})
        latencies = np.empty(args.calls)
        for i in range(args.calls):
            row = features[i % rows : i % rows + 1]
            started = time.perf_counter()
            session.run(None, {input_name: row})
            latencies[i] = time.perf_counter() - started
        started = time.perf_counter()
        outputs = session.run(None, {input_name: features})
        batch_s = time.perf_counter() - started
    except Exception as error:
        raise _classified(error, "model_failed") from None
    measured = time.perf_counter()
    labels, scores = predictions_extract(
        outputs, output_names, rows, positive=args.positive, class_labels=class_labels
    )
    if len(labels) != rows:
        raise RunnerError("unsupported_model", f"the model gave {len(labels)} labels for {rows} rows")
    peak_kib = peak_rss_kib()
    return {
        "latency_ms": {
            "p50": float(np.percentile(latencies, 50) * 1000) if args.calls else None,
            "p95": float(np.percentile(latencies, 95) * 1000) if args.calls else None,
        },
        "throughput_rows_per_s": rows / batch_s if batch_s > 0 else None,
        "peak_rss_mb": peak_kib / 1024,
        "baseline_rss_mb": baseline_kib / 1024,
        "model_memory_mb": max(peak_kib - baseline_kib, 0) / 1024,
        "rows": rows,
        "row_ids": row_ids,
        "labels": labels,
        "scores": scores,
        "timings": {
            "load_s": loaded - PROCESS_START,
            "measure_s": measured - loaded,
            "predict_s": batch_s,
        },
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m takehomes.runner", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--features", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--positive", default=None, help="the positive class, as a string, for scores")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = Path(args.out)
    try:
        if args.calls < 0 or args.warmup < 0:
            raise RunnerError("bad_arguments", "--calls and --warmup must not be negative")
        result = run(args)
    except RunnerError as error:
        out.write_text(json.dumps({"error": error.code, "detail": error.detail}))
        return EXIT_FAILED
    except MemoryError:
        out.write_text(json.dumps({"error": "exceeded_memory", "detail": "MemoryError"}))
        return EXIT_FAILED
    except OSError as error:
        out.write_text(json.dumps({"error": "bad_arguments", "detail": str(error)[:DETAIL_CHARS]}))
        return EXIT_FAILED
    except Exception as error:  # anything else is the runner's own fault: said, not hidden
        out.write_text(json.dumps({"error": "runner_failed", "detail": repr(error)[:DETAIL_CHARS]}))
        return EXIT_FAILED
    out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
