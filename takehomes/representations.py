"""Take-homes, reports and exercises as the API and the webhooks show them (plain dicts, no DRF)."""

from __future__ import annotations

from django.urls import reverse

from takehomes.models import Exercise, GradingReport, TakeHome


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


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
        "published_at": _iso(exercise.published_at),
    }


def report_resource(report: GradingReport | None) -> dict | None:
    """The grade, for those allowed to read it; ``None`` until graded."""
    if report is None or report.status != GradingReport.Status.GRADED:
        return None
    return {
        "graded_at": _iso(report.graded_at),
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
        "status": take_home.status,
        "source": take_home.source,
        "sent_at": _iso(take_home.sent_at),
        "expires_at": _iso(take_home.expires_at),
        "opened_at": _iso(take_home.opened_at),
        "deadline_at": _iso(take_home.deadline_at),
        "submitted_at": _iso(take_home.submitted_at),
        "graded_at": _iso(take_home.graded_at),
        "report": report_resource(report),
    }
