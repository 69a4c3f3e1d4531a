"""Run an uploaded model in a process of its own, under limits: the parent side of ``takehomes.runner``.
Pure, no Django; call it from a worker task, never from a web request.

``model_run`` starts ``[sys.executable, "-m", "takehomes.runner", ...]``:

- limits set in the child before it starts Python (preexec_fn): RLIMIT_AS = memory_mb (address
  space, so onnxruntime's allocations fail cleanly), RLIMIT_CPU = cpu_seconds (SIGXCPU, then SIGKILL
  a second later), RLIMIT_FSIZE = OUTPUT_LIMIT_MB (it can write its result, not fill the disk),
  RLIMIT_CORE = 0; a new session, so the whole process group can be killed;
- a wall-clock limit (wall_seconds) polled by the parent, then SIGKILL to the process group;
- an environment of its own: PATH, PYTHONPATH (the project root, so the module is found), LANG and
  single-thread settings for the numeric libraries, and nothing else (no database or broker URL, no
  secret key, no credentials);
- a fresh temporary directory as cwd (the model and features are copied in), stdin from /dev/null,
  stdout and stderr to files there (a chatty model cannot block on a full pipe);
- no network where the machine allows it: ``unshare -rn`` (a user and network namespace with only
  a loopback device that is down) when a one-off probe shows it works; the outcome says whether
  the run was isolated (``network_isolated``).

The child's peak memory and CPU time come from ``os.wait4`` (its own rusage, even when killed), so
other children of the worker do not blur them. Model misbehaviour never raises: every end is a
``RunOutcome`` (statuses in ``RunOutcome``'s docstring).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_LIMIT_MB = 256  # the result file (100,000 rows of labels and scores is ~5 MB)
STDERR_TAIL_CHARS = 2000
POLL_SECONDS = 0.01
MEMORY_MARKERS = ("bad_alloc", "bad allocation", "memoryerror", "cannot allocate", "failed to allocate")
NEAR_MEMORY_LIMIT = 0.9  # a SIGKILL with peak RSS above this share of the limit is memory's doing
CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    "PYTHONHASHSEED": "0",
}
RUNNER_REJECTIONS = frozenset({"external_data", "invalid_model", "unsupported_model", "bad_features"})


@dataclass(frozen=True)
class RunOutcome:
    """How a model run ended.

    status: "ok"; "exceeded_time" (wall clock, or RLIMIT_CPU: ``error`` says "wall" or "cpu");
    "exceeded_memory" (an allocation failed under RLIMIT_AS, or killed near the limit); "rejected"
    (the runner refused the model or features: ``error`` is its code, e.g. external_data,
    invalid_model, unsupported_model); "runner_failed" (the model or the runner crashed:
    ``stderr_tail`` has the end of its stderr). Measurements are None unless status is "ok".
    overhead_s = wall_s - the runner's measured time (start-up, loading, reading, writing).
    """

    status: str
    error: str | None = None
    detail: str = ""
    network_isolated: bool = False
    wall_s: float = 0.0
    cpu_s: float = 0.0
    overhead_s: float | None = None
    peak_rss_mb: float | None = None
    baseline_rss_mb: float | None = None
    model_memory_mb: float | None = None
    returncode: int | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    throughput_rows_per_s: float | None = None
    load_s: float | None = None
    measure_s: float | None = None
    limits: dict[str, float] = field(default_factory=dict)
    stderr_tail: str = ""
    row_ids: tuple[str, ...] = ()
    labels: tuple[Any, ...] = ()
    scores: tuple[float, ...] | None = None

    def as_dict(self, *, predictions: bool = False) -> dict[str, Any]:
        """JSON-ready; the per-row row_ids, labels and scores only with ``predictions``."""
        data = asdict(self)
        if not predictions:
            for key in ("row_ids", "labels", "scores"):
                data.pop(key)
        else:
            data["row_ids"], data["labels"] = list(self.row_ids), list(self.labels)
            data["scores"] = None if self.scores is None else list(self.scores)
        return data


@functools.cache
def network_isolation() -> tuple[str, ...]:
    """The command prefix that runs a program without network (``unshare -rn``), or () where this
    machine does not allow unprivileged namespaces. Probed once per process."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        probe = subprocess.run(  # noqa: S603  (a fixed command)
            [unshare, "-rn", "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return (unshare, "-rn") if probe.returncode == 0 else ()


def child_env() -> dict[str, str]:
    """The runner's whole environment: CHILD_ENV and PYTHONPATH, never anything of the worker's."""
    return {**CHILD_ENV, "PYTHONPATH": str(PROJECT_ROOT)}


def _limits(memory_mb: int, cpu_seconds: int):
    memory = memory_mb * 1024 * 1024
    output = OUTPUT_LIMIT_MB * 1024 * 1024

    def apply() -> None:  # runs in the child, between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - STDERR_TAIL_CHARS))
            return handle.read().decode("utf-8", "replace")[-STDERR_TAIL_CHARS:]
    except OSError:
        return ""


def model_run(
    *,
    model_path: str | os.PathLike[str],
    features_path: str | os.PathLike[str],
    positive: str | None,
    memory_mb: int = 512,
    cpu_seconds: int = 30,
    wall_seconds: float = 60,
    calls: int = 200,
    warmup: int = 20,
) -> RunOutcome:
    """Run the model on the features in a sandboxed ``takehomes.runner`` process and say how it went.

    ``positive`` is the positive class as a string (scores are its probability); None for no scores.
    Never raises for anything the model does; OSError only if the files given cannot be copied.
    """
    isolation = network_isolation()
    limits = {"memory_mb": memory_mb, "cpu_seconds": cpu_seconds, "wall_seconds": wall_seconds}
    with tempfile.TemporaryDirectory(prefix="takehome-run-") as workdir:
        work = Path(workdir)
        shutil.copyfile(model_path, work / "model.onnx")
        shutil.copyfile(features_path, work / "features.csv")
        command = [
            *isolation,
            sys.executable,
            "-m",
            "takehomes.runner",
            "--model",
            "model.onnx",
            "--features",
            "features.csv",
            "--out",
            "result.json",
            "--calls",
            str(calls),
            "--warmup",
            str(warmup),
        ]
        if positive is not None:
            command += ["--positive", str(positive)]
        env = child_env()
        stdout_path, stderr_path = work / "stdout.txt", work / "stderr.txt"
        started = time.perf_counter()
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(  # noqa: S603  (our own interpreter and module, fixed arguments)
                command,
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                preexec_fn=_limits(memory_mb, cpu_seconds),
                start_new_session=True,
                close_fds=True,
            )
        status, usage, timed_out = _wait(process, started + wall_seconds)
        wall_s = time.perf_counter() - started
        common = {
            "network_isolated": bool(isolation),
            "wall_s": wall_s,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "limits": limits,
        }
        stderr_tail = _tail(stderr_path)
        result = _result(work / "result.json")
        return _outcome(status, timed_out, result, stderr_tail, common, memory_mb, cpu_seconds)


def _wait(process: subprocess.Popen, deadline: float) -> tuple[int, Any, bool]:
    """Reap the child (killing its group at the deadline); its wait status and own rusage."""
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, timed_out
        if not timed_out and time.perf_counter() >= deadline:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        time.sleep(POLL_SECONDS)


def _result(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _outcome(
    status: int,
    timed_out: bool,
    result: dict[str, Any] | None,
    stderr_tail: str,
    common: dict[str, Any],
    memory_mb: int,
    cpu_seconds: int,
) -> RunOutcome:
    code = os.waitstatus_to_exitcode(status)
    signalled = signal.Signals(-code) if code < 0 else None
    common = {**common, "returncode": code}
    if timed_out:
        return RunOutcome("exceeded_time", "wall", "The model ran past the wall-clock limit.", **common)
    if signalled == signal.SIGXCPU or (signalled == signal.SIGKILL and common["cpu_s"] >= cpu_seconds):
        return RunOutcome("exceeded_time", "cpu", "The model used up its CPU time.", **common)
    if result and "error" in result:
        error, detail = str(result["error"]), str(result.get("detail", ""))
        if error == "exceeded_memory":
            return RunOutcome(
                "exceeded_memory", error, f"The model needed more than {memory_mb} MB.", **common
            )
        if error in RUNNER_REJECTIONS:
            return RunOutcome("rejected", error, detail, stderr_tail=stderr_tail, **common)
        return RunOutcome("runner_failed", error, detail, stderr_tail=stderr_tail, **common)
    if code == 0 and result is not None:
        timings = result.get("timings", {})
        latency = result.get("latency_ms", {})
        measure_s = timings.get("measure_s")
        return RunOutcome(
            "ok",
            # The runner's own figure first: the parent's ru_maxrss of a forked child starts
            # at the worker's size (see runner.peak_rss_kib).
            **{**common, "peak_rss_mb": result.get("peak_rss_mb") or common["peak_rss_mb"]},
            overhead_s=None if measure_s is None else common["wall_s"] - measure_s,
            latency_p50_ms=latency.get("p50"),
            latency_p95_ms=latency.get("p95"),
            throughput_rows_per_s=result.get("throughput_rows_per_s"),
            baseline_rss_mb=result.get("baseline_rss_mb"),
            model_memory_mb=result.get("model_memory_mb"),
            load_s=timings.get("load_s"),
            measure_s=measure_s,
            row_ids=tuple(result.get("row_ids", ())),
            labels=tuple(result.get("labels", ())),
            scores=None if result.get("scores") is None else tuple(result["scores"]),
        )
    out_of_memory = any(marker in stderr_tail.lower() for marker in MEMORY_MARKERS) or (
        signalled == signal.SIGKILL and common["peak_rss_mb"] >= NEAR_MEMORY_LIMIT * memory_mb
    )
    if out_of_memory:
        return RunOutcome(
            "exceeded_memory",
            "memory",
            f"The model needed more than {memory_mb} MB.",
            stderr_tail=stderr_tail,
            **common,
        )
    reason = f"signal {signalled.name}" if signalled else f"exit status {code}"
    return RunOutcome(
        "runner_failed", "crashed", f"The model run ended with {reason}.", stderr_tail=stderr_tail, **common
    )
