"""Take-homes, reports and exercises as the API and the webhooks show them (plain dicts, no DRF)."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from hiring.representations import iso_datetime
from takehomes.models import Exercise, GradingReport, TakeHome
from takehomes.selectors import report_visible_to, take_home_candidate_names


def exercise_resource(exercise: Exercise) -> dict:
    return {
        "id": exercise.pk,
        "key": exercise.key,
        "version": exercise.version,
        "title": exercise.title,
        "role": exercise.role.key,
        "task_type": exercise.task_type,
        "primary_metric": exercise.primary_metric,
        "requires_model": exercise.requires_model,
        "budgets": exercise.budgets,
        "time_limit_hours": exercise.time_limit_hours,
        "expiry_days": exercise.expiry_days,
        "published_at": iso_datetime(exercise.published_at),
    }


def report_resource(report: GradingReport | None) -> dict | None:
    """The grade, for those allowed to read it; ``None`` until graded."""
    if report is None or report.status != GradingReport.Status.GRADED:
        return None
    return {
        "graded_at": iso_datetime(report.graded_at),
        "metrics": report.metrics,
        "model_run": report.model_run,
        "contract": report.contract,
        "levels": report.levels,
        "flags": report.flags,
        "scorecard": report.scorecard_id,
        "automated": True,
    }


def take_home_resource(take_home: TakeHome, *, report: GradingReport | None = None) -> dict:
    """A take-home: who, which exercise, where it stands, and (graded) its report."""
    if report is None:
        report = getattr(take_home, "report", None)
    return {
        "id": take_home.pk,
        "url": reverse("api:take-home-detail", args=[take_home.pk]),
        "application": take_home.application_id,
        "exercise": take_home.exercise_id,
        "status": take_home.status_now(),
        "source": take_home.source,
        "sent_at": iso_datetime(take_home.sent_at),
        "expires_at": iso_datetime(take_home.expires_at),
        "opened_at": iso_datetime(take_home.opened_at),
        "deadline_at": iso_datetime(take_home.deadline_at),
        "submitted_at": iso_datetime(take_home.submitted_at),
        "graded_at": iso_datetime(take_home.graded_at),
        "report": report_resource(report),
    }


def _flags_for(flags: list, names: dict[int, str]) -> list:
    """Copy flags with the other take-home named only where the reader may see it, by its current name."""
    shown = []
    for flag in flags:
        if isinstance(flag, dict) and "take_home" in flag:
            other = flag.get("take_home")
            visible = other in names
            flag = {**flag, "take_home": other if visible else None, "candidate": names.get(other)}
        shown.append(flag)
    return shown


def take_home_resources_for(actor, take_homes: Iterable[TakeHome]) -> list[dict]:
    """Take-homes as ``actor`` may read them (the API's and the pages' answer), in one query or two.

    The report is ``None`` unless ``report_visible_to`` allows it (an interviewer who has not
    submitted their own scorecard yet reads the status, not the grade). Copy flags name
    another candidate only to a reader who may see that take-home (``take_homes_visible_to``).
    Pass take-homes from ``takehomes.selectors.take_homes_visible_to``: they carry the rule.
    """
    take_homes = list(take_homes)
    readable = {take_home.pk: report_visible_to(actor, take_home) for take_home in take_homes}
    flagged = [
        flag.get("take_home")
        for take_home in take_homes
        if readable[take_home.pk] and (report := getattr(take_home, "report", None)) is not None
        for flag in report.flags or []
        if isinstance(flag, dict)
    ]
    names = take_home_candidate_names(actor, flagged)
    resources = []
    for take_home in take_homes:
        resource = take_home_resource(take_home)
        if not readable[take_home.pk]:
            resource["report"] = None
        elif resource["report"] is not None:
            resource["report"]["flags"] = _flags_for(resource["report"]["flags"], names)
        resources.append(resource)
    return resources
