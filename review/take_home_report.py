"""A take-home's grading report shaped for the committee's pages: pure functions of the stored JSON.

``GradingReport`` keeps what grading measured as JSON (shapes in ``takehomes.grading`` and
``takehomes.grader``: metrics with 95% intervals and the confusion matrix, the model run,
the contract items, the skill-area levels and the copy flags). The pages read it through
``report_view``, which turns it into rows with words for every verdict (never a colour
alone) and the sentences for anything over a limit. No ORM: the caller passes the report
and the names of the opening's skill areas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import floatformat

from review import charts
from review.selectors import take_home_status_shown
from takehomes import grader
from takehomes.selectors import take_home_candidate_names

METRICS = ("accuracy", "precision", "sensitivity", "specificity", "f1", "roc_auc")
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "sensitivity": "Sensitivity (recall)",
    "specificity": "Specificity",
    "f1": "F1",
    "roc_auc": "ROC AUC",
}
CONTRACT_LABELS = {
    **METRIC_LABELS,
    "latency_p95_ms": "95th-percentile latency",
    "peak_memory_mb": "Peak memory",
    "parameters": "Parameters",
    "framework": "Framework",
    "framework_version": "Framework version",
    "opset": "ONNX opset",
    "data_split": "Data split",
    "optimisation_metrics": "Metrics optimised for",
}
UNITS = {"latency_p95_ms": "ms", "latency_p50_ms": "ms", "peak_memory_mb": "MB"}

VERDICTS = {
    "within": "Holds: agrees with the measurement",
    "over_claimed": "Over-claimed: better than measured",
    "under_claimed": "Under-claimed: worse than measured",
    "mismatch": "Contradicted by the model file",
    "present": "Stated (not measurable)",
    "missing": "Not stated",
    "not_measured": "Not checked: nothing measured to check it against",
}
BUDGET_VERDICTS = {
    "met": "Met",
    "missed": "Missed",
    "not_measured": "Not measured",
    None: "No budget",
}
RUN_STATUSES = {
    "ok": "Ran within its limits",
    "exceeded_time": "Exceeded the time limit",
    "exceeded_memory": "Exceeded the memory limit",
    "rejected": "Refused by the runner",
    "runner_failed": "Crashed while running",
}
FLAG_KINDS = {
    "identical_predictions": "Identical predictions file",
    "identical_model": "Identical model file",
    "near_identical_predictions": "Near-identical predictions",
}


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _fraction(value: float | None) -> str:
    # Half up, as the pages round every figure (``review.templatetags.review.percent``).
    return "" if value is None else floatformat(value, "3u")


def _quantity(key: str, value: Any) -> str:
    """A measured or claimed figure as the page shows it, with its unit."""
    number = _finite(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    if key == "parameters":
        return f"{round(number):,}"
    if key in METRIC_LABELS:
        return _fraction(number)
    unit = UNITS.get(key)
    text = f"{number:,.2f}".rstrip("0").rstrip(".") if abs(number) < 1000 else f"{number:,.0f}"
    return f"{text} {unit}" if unit else text


def opset_text(opset: Any) -> str:
    """``{"": 17, "ai.onnx.ml": 3}`` as "17 (ai.onnx.ml 3)": the default domain first."""
    if not isinstance(opset, dict) or not opset:
        return "" if opset in (None, "") else str(opset)
    default = next((opset[d] for d in grader.DEFAULT_DOMAINS if d in opset), None)
    others = [
        f"{domain} {version}" for domain, version in sorted(opset.items()) if domain not in ("", "ai.onnx")
    ]
    if default is None:
        return ", ".join(others)
    return f"{default}" + (f" ({', '.join(others)})" if others else "")


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    value: float
    lower: float
    upper: float

    @property
    def interval(self) -> str:
        return f"{_fraction(self.lower)}\N{EN DASH}{_fraction(self.upper)}"


@dataclass(frozen=True)
class Confusion:
    positive: str
    negative: str
    true_positive: int
    false_negative: int
    false_positive: int
    true_negative: int


@dataclass(frozen=True)
class Measurement:
    label: str
    value: str


@dataclass(frozen=True)
class ContractRow:
    key: str
    label: str
    claimed: str
    measured: str
    budget: str
    verdict: str  # the stored code: within, over_claimed...
    verdict_text: str
    budget_verdict: str | None
    budget_verdict_text: str
    detail: str
    claimed_number: float | None  # a metric's claim as a fraction, for the chart
    measured_interval: tuple[float, float, float] | None  # a metric's (value, lower, upper)
    budget_number: float | None

    @property
    def is_metric(self) -> bool:
        return self.key in METRIC_LABELS

    @property
    def flagged(self) -> bool:
        """A verdict a reader should stop at: a claim that does not hold, or a budget missed."""
        return self.verdict in ("over_claimed", "mismatch") or self.budget_verdict == "missed"


@dataclass(frozen=True)
class LevelRow:
    area: str
    name: str
    level: int
    reason: str


@dataclass(frozen=True)
class FlagRow:
    kind: str
    text: str
    candidate: str
    take_home: int | None
    agreement: float | None


@dataclass(frozen=True)
class ReportView:
    """Everything of one grading report the pages show, in reading order."""

    graded: bool
    metrics: list[MetricRow]
    rows: int | None
    confidence: float | None
    interval_method: str
    confusion: Confusion | None
    has_model: bool
    run_status: str | None
    run_status_text: str
    run_detail: str
    measurements: list[Measurement]
    contract: list[ContractRow]
    completeness: float | None
    honesty: float | None
    items_stated: int
    items_total: int
    budgets_met: int
    budgets_set: int
    levels: list[LevelRow]
    flags: list[FlagRow]
    exceeded: list[str] = field(default_factory=list)  # sentences: limits and budgets exceeded

    @property
    def chart_rows(self) -> list[ContractRow]:
        return [row for row in self.contract if row.is_metric and row.measured_interval is not None]


def _metric_rows(metrics: dict) -> list[MetricRow]:
    rows = []
    for key in METRICS:
        value = metrics.get(key)
        if not isinstance(value, dict):
            continue
        point, lower, upper = (_finite(value.get(part)) for part in ("value", "lower", "upper"))
        if point is None or lower is None or upper is None:
            continue
        rows.append(MetricRow(key, METRIC_LABELS[key], point, lower, upper))
    return rows


def _confusion(metrics: dict) -> Confusion | None:
    confusion = metrics.get("confusion")
    if not isinstance(confusion, dict):
        return None
    try:
        positive, negative = (str(label) for label in confusion["labels"])
        (tp, fn), (fp, tn) = confusion["matrix"]
    except (KeyError, TypeError, ValueError):
        return None  # a multiclass matrix, or none: the metrics table still shows
    return Confusion(positive, negative, int(tp), int(fn), int(fp), int(tn))


def _measured_text(key: str, measured: Any) -> str:
    if isinstance(measured, dict) and key in METRIC_LABELS:
        point, lower, upper = (_finite(measured.get(part)) for part in ("value", "lower", "upper"))
        if point is None:
            return ""
        interval = (
            f" (95% interval {_fraction(lower)}\N{EN DASH}{_fraction(upper)})" if lower is not None else ""
        )
        return f"{_fraction(point)}{interval}"
    if key == "opset":
        return opset_text(measured)
    return _quantity(key, measured)


def _budget_text(key: str, budget: Any) -> str:
    number = _finite(budget)
    if number is None:
        return ""
    direction = grader.DIRECTIONS.get(key, "higher")
    return f"{'at least' if direction == 'higher' else 'at most'} {_quantity(key, number)}"


def _contract_rows(contract: dict) -> list[ContractRow]:
    rows = []
    for item in contract.get("items") or []:
        key = str(item.get("key", ""))
        measured = item.get("measured")
        interval = None
        if key in METRIC_LABELS and isinstance(measured, dict):
            parts = tuple(_finite(measured.get(part)) for part in ("value", "lower", "upper"))
            interval = parts if None not in parts else None
        claimed = item.get("claimed")
        verdict = str(item.get("verdict", ""))
        budget_verdict = item.get("budget_verdict")
        rows.append(
            ContractRow(
                key=key,
                label=CONTRACT_LABELS.get(key, key.replace("_", " ").capitalize()),
                claimed=_quantity(key, claimed) if verdict != "missing" else "",
                measured=_measured_text(key, measured),
                budget=_budget_text(key, item.get("budget")),
                verdict=verdict,
                verdict_text=VERDICTS.get(verdict, verdict.replace("_", " ")),
                budget_verdict=budget_verdict,
                budget_verdict_text=BUDGET_VERDICTS.get(budget_verdict, str(budget_verdict)),
                detail=str(item.get("detail", "")),
                claimed_number=_finite(claimed) if key in METRIC_LABELS else None,
                measured_interval=interval,
                budget_number=_finite(item.get("budget")),
            )
        )
    return rows


def _measurements(model_run: dict) -> list[Measurement]:
    model = model_run.get("model") or {}
    found = [
        ("Median latency (p50, one row)", _quantity("latency_p50_ms", model_run.get("latency_p50_ms"))),
        ("95th-percentile latency (one row)", _quantity("latency_p95_ms", model_run.get("latency_p95_ms"))),
        ("Memory the model takes", _quantity("peak_memory_mb", _model_memory(model_run))),
        (
            "Whole runner peak, runtime included",
            _quantity("peak_memory_mb", model_run.get("peak_rss_mb")),
        ),
    ]
    throughput = model_run.get("throughput_rows_per_s", model_run.get("throughput"))
    if _finite(throughput) is not None:
        found.append(("Throughput", f"{_quantity('throughput', throughput)} rows/s"))
    agreement = _finite(model_run.get("agreement_with_predictions"))
    if agreement is not None:
        found.append(("Agreement of the model's predictions with the uploaded file", f"{agreement:.1%}"))
    found += [
        ("Parameters", _quantity("parameters", model.get("parameters"))),
        (
            "Producer",
            " ".join(
                str(model.get(part)) for part in ("producer_name", "producer_version") if model.get(part)
            ),
        ),
        ("ONNX opset", opset_text(model.get("opset"))),
    ]
    return [Measurement(label, value) for label, value in found if value]


def _limit_sentence(model_run: dict) -> str | None:
    status = model_run.get("status")
    if not status or status == "ok":
        return None
    limits = model_run.get("limits") or {}
    text = RUN_STATUSES.get(status, str(status).replace("_", " ").capitalize())
    if status == "exceeded_time" and limits.get("wall_seconds"):
        wall, cpu = _quantity("", limits["wall_seconds"]), _quantity("", limits.get("cpu_seconds"))
        text += f" ({wall} s wall clock, {cpu} s CPU)"
    elif status == "exceeded_memory" and limits.get("memory_mb"):
        text += f" ({_quantity('peak_memory_mb', limits['memory_mb'])})"
    return f"The model run: {text}; its latency and memory were not measured."


def _model_memory(model_run: dict):
    # Peak minus what Python, onnxruntime and the features took before the model was loaded.
    value = model_run.get("model_memory_mb")
    return value if value is not None else model_run.get("peak_rss_mb")


def report_view(
    report, *, area_names: dict[str, str], flag_names: dict[int, str] | None = None
) -> ReportView:
    """The report (a ``GradingReport``) shaped for the pages; ``area_names`` maps area keys to names."""
    graded = report is not None and report.status == "graded"
    metrics = (report.metrics if graded else None) or {}
    model_run = (report.model_run if graded else None) or {}
    contract = (report.contract if graded else None) or {}
    interval = metrics.get("interval") or {}
    contract_rows = _contract_rows(contract)
    exceeded = []
    if sentence := _limit_sentence(model_run):
        exceeded.append(sentence)
    exceeded += [
        f"{row.label}: measured {row.measured}, budget {row.budget}: missed."
        for row in contract_rows
        if row.budget_verdict == "missed"
    ]
    levels = []
    for area, value in ((report.levels if graded else None) or {}).items():
        if isinstance(value, dict) and value.get("level") is not None:
            levels.append(
                LevelRow(area, area_names.get(area, area), int(value["level"]), str(value.get("reason", "")))
            )
    flags = [
        FlagRow(
            kind=str(flag.get("kind", "")),
            text=FLAG_KINDS.get(flag.get("kind"), str(flag.get("kind", "")).replace("_", " ").capitalize()),
            candidate=(flag_names or {}).get(flag.get("take_home"), "another candidate"),
            take_home=flag.get("take_home"),
            agreement=_finite(flag.get("agreement")),
        )
        for flag in ((report.flags if graded else None) or [])
        if isinstance(flag, dict)
    ]
    return ReportView(
        graded=graded,
        metrics=_metric_rows(metrics),
        rows=metrics.get("rows"),
        confidence=_finite(interval.get("confidence")),
        interval_method=str(interval.get("method", "")),
        confusion=_confusion(metrics),
        has_model=bool(model_run),
        run_status=model_run.get("status"),
        run_status_text=RUN_STATUSES.get(model_run.get("status"), str(model_run.get("status") or "")),
        run_detail=str(model_run.get("detail") or model_run.get("error") or ""),
        measurements=_measurements(model_run) if model_run else [],
        contract=contract_rows,
        completeness=_finite(contract.get("completeness")),
        honesty=_finite(contract.get("honesty")),
        items_stated=sum(row.verdict != "missing" for row in contract_rows),
        items_total=len(contract_rows),
        budgets_met=int(contract.get("budgets_met") or 0),
        budgets_set=int(contract.get("budgets_set") or 0),
        levels=levels,
        flags=flags,
        exceeded=exceeded,
    )


# A take-home as its panel on the pages ----------------------------------------------------------


@dataclass(frozen=True)
class TakeHomePanel:
    """One take-home as the profile and the report page show it: status, dates, report and chart."""

    take_home: Any  # a ``TakeHome`` loaded with exercise, report and sender
    status: str  # ``review.selectors.take_home_status_shown``
    status_label: str
    report: ReportView
    chart: str
    chart_narrow: str
    chart_id: str

    @property
    def can_renew(self) -> bool:
        """A fresh link makes sense while the candidate has not handed in and the link is still valid."""
        return self.status in ("sent", "opened")

    @property
    def closes_at(self):
        return self.take_home.closes_at()

    @property
    def report_scorecard_id(self) -> int | None:
        report = getattr(self.take_home, "report", None)
        return None if report is None else report.scorecard_id


def claim_chart_rows(report: ReportView) -> list[charts.ClaimChartRow]:
    return [
        charts.ClaimChartRow(
            key=row.key,
            label=row.label,
            value=row.measured_interval[0],
            lower=row.measured_interval[1],
            upper=row.measured_interval[2],
            claimed=row.claimed_number,
            budget=row.budget_number,
            verdict=row.verdict_text.split(":")[0].lower(),
        )
        for row in report.chart_rows
    ]


def take_home_panel(
    take_home, *, status: str, status_label: str, area_names: dict[str, str], flag_names: dict[int, str]
) -> TakeHomePanel:
    """The panel for ``take_home`` (its report read from ``take_home.report`` when it has one)."""
    report = report_view(getattr(take_home, "report", None), area_names=area_names, flag_names=flag_names)
    chart_id = f"take-home-{take_home.pk}-chart"
    chart = chart_narrow = ""
    rows = claim_chart_rows(report)
    if rows:
        candidate = take_home.application.candidate.name
        title = f"{candidate}'s take-home: claimed against measured metrics"
        description = charts.claim_chart_description(rows)
        chart, chart_narrow = (
            charts.claim_chart_svg(
                rows=rows, chart_id=an_id, title=title, description=description, layout=layout
            )
            for an_id, layout in ((chart_id, charts.CLAIM_WIDE), (f"{chart_id}-narrow", charts.CLAIM_NARROW))
        )
    return TakeHomePanel(
        take_home=take_home,
        status=status,
        status_label=status_label,
        report=report,
        chart=chart,
        chart_narrow=chart_narrow,
        chart_id=chart_id,
    )


STATUS_LABELS = {
    "sent": "Sent, not opened yet",
    "opened": "Opened, not submitted yet",
    "submitted": "Submitted, being graded",
    "graded": "Graded automatically",
    "expired": "Expired: not submitted in time",
}


def take_home_panels(take_homes, *, area_names: dict[str, str], viewer, now=None) -> list[TakeHomePanel]:
    """Panels for loaded take-homes (``review.selectors.application_take_homes``).

    A copy flag names the other candidate only to a ``viewer`` who may see that take-home, and
    by their name as it is now (one query, when there are flags): reports store ids, not names.
    """
    take_homes = list(take_homes)
    flagged = [
        flag.get("take_home")
        for take_home in take_homes
        for flag in (getattr(getattr(take_home, "report", None), "flags", None) or [])
        if isinstance(flag, dict)
    ]
    flag_names = take_home_candidate_names(viewer, flagged)
    panels = []
    for take_home in take_homes:
        status = take_home_status_shown(take_home, now=now)
        panels.append(
            take_home_panel(
                take_home,
                status=status,
                status_label=STATUS_LABELS.get(status, status),
                area_names=area_names,
                flag_names=flag_names,
            )
        )
    return panels
