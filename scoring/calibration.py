"""Calibration: the measurement model fitted to every submitted rating of a rubric, stored and reloaded.

Interviewers are people, not per-opening parameters. ``calibration_run`` fits
``scoring.engine.calibrate`` to every submitted rating on the rubric's areas
(matched by area key across its versions) in every opening, stores the
population parameters, each interviewer's leniency and the posterior
covariance, and enqueues a recompute of every opening of the rubric that has
submitted scorecards, so stored fits follow the new calibration.

``calibration_sweep`` (Celery beat, every ``CALIBRATION_SWEEP_SECONDS``) runs
it without anyone pressing a button: only for rubrics with ratings newer than
their calibration, once no new rating has arrived for
``CALIBRATION_QUIET_SECONDS`` (debounce), and in any case once the oldest
uncalibrated rating is ``CALIBRATION_MAX_STALENESS_MINUTES`` old.

Single and batch recomputes read the stored calibration through
``calibration_for``, cached per process and keyed by the row's
``computed_at``, so a new calibration is picked up at the next recompute.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import Rubric, Scorecard, SkillArea
from config.celery import enqueue_on_commit
from hiring.models import Opening
from scoring import engine
from scoring.bulk import fetch_int_columns, upsert_columns
from scoring.models import Calibration, InterviewerOffset

# Every assessed rating on a submitted scorecard of the rubric: application, area, interviewer, level.
RUBRIC_RATINGS_SQL = """
SELECT CAST(i.application_id AS BIGINT), CAST(r.area_id AS BIGINT), CAST(s.interviewer_id AS BIGINT),
       CAST(r.level AS BIGINT)
FROM assessments_rating r
JOIN assessments_scorecard s ON s.id = r.scorecard_id
JOIN assessments_rubricversion v ON v.id = s.rubric_version_id
JOIN hiring_interview i ON i.id = s.interview_id
WHERE v.rubric_id = %s AND s.status = 'submitted' AND r.level IS NOT NULL
"""


@dataclass(frozen=True)
class StoredCalibration:
    """A stored calibration as the engine uses it, with the ids that index it."""

    pk: int
    computed_at: datetime
    model: engine.Calibration
    area_index: dict[str, int]
    interviewer_index: dict[int, int]

    def for_inputs(self, area_keys: list[str], interviewer_ids: np.ndarray) -> engine.Calibration:
        """The calibration restricted to these areas and interviewers (unseen ones from the prior)."""
        areas = np.array([self.area_index.get(key, -1) for key in area_keys], dtype=np.int64)
        raters = np.array(
            [self.interviewer_index.get(i, -1) for i in interviewer_ids.tolist()], dtype=np.int64
        )
        return self.model.subset(areas, raters)


_CACHE: dict[int, StoredCalibration] = {}


def _rubric_area_keys(rubric_id: int) -> tuple[list[str], dict[int, int]]:
    """The rubric's area keys (newest version's order first) and each area id's index among them."""
    areas = list(
        SkillArea.objects.filter(version__rubric_id=rubric_id)
        .order_by("-version__number", "order", "key")
        .values_list("pk", "key")
    )
    keys: list[str] = []
    for _, key in areas:
        if key not in keys:
            keys.append(key)
    index = {key: i for i, key in enumerate(keys)}
    return keys, {area_id: index[key] for area_id, key in areas}


def _rubric_scorecards(rubric_id: int):
    return Scorecard.objects.filter(rubric_version__rubric_id=rubric_id, status=Scorecard.Status.SUBMITTED)


def _rubric_ratings(rubric_id: int) -> np.ndarray:
    """(application, area id, interviewer, level) of each assessed rating on submitted scorecards."""
    if connection.vendor == "postgresql":
        return fetch_int_columns(RUBRIC_RATINGS_SQL, [rubric_id], width=4)
    rows = _rubric_scorecards(rubric_id).filter(ratings__level__isnull=False)
    return np.array(
        list(
            rows.values_list(
                "interview__application_id", "ratings__area_id", "interviewer_id", "ratings__level"
            )
        ),
        dtype=np.int64,
    ).reshape(-1, 4)


def _engine_ratings(
    rows: np.ndarray, area_of_id: dict[int, int], area_keys: list[str]
) -> tuple[engine.Ratings, np.ndarray, np.ndarray]:
    """(application, area id, interviewer, level) rows as canonical engine ratings, with the id lists.

    Rows of areas outside the rubric are left out. ``rows`` is consumed: the
    columns are taken one at a time, so the peak stays near one copy of the ratings.
    """
    if not len(rows):
        empty = np.empty(0, dtype=np.int64)
        return (
            engine.Ratings.from_arrays(
                empty, empty, empty, empty, n_candidates=0, n_areas=len(area_keys), n_raters=0
            ),
            empty,
            empty,
        )
    lookup = np.full(max(area_of_id) + 2, -1, dtype=np.int64)
    lookup[np.fromiter(area_of_id, dtype=np.int64)] = np.fromiter(area_of_id.values(), dtype=np.int64)
    area = lookup[np.clip(rows[:, 1], 0, len(lookup) - 1)]
    known = area >= 0
    level = rows[known, 3].astype(np.float64)
    application_ids, candidate = np.unique(rows[known, 0], return_inverse=True)
    interviewer_ids, rater = np.unique(rows[known, 2], return_inverse=True)
    del rows
    ratings = engine.Ratings.from_arrays(
        candidate.reshape(-1),
        area[known],
        rater.reshape(-1),
        level,
        n_candidates=len(application_ids),
        n_areas=len(area_keys),
        n_raters=len(interviewer_ids),
    ).canonical()
    return ratings, application_ids, interviewer_ids


def _covariance_bytes(covariance: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(covariance, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


def _covariance_load(data: bytes | memoryview, size: int) -> np.ndarray:
    # Never unpickled: a plain float64 array, checked for its shape.
    matrix = np.load(io.BytesIO(bytes(data)), allow_pickle=False)
    if matrix.dtype != np.float64 or matrix.shape != (size, size):
        raise ValueError("stored calibration covariance has the wrong shape")
    return matrix


def calibration_run(*, rubric_id: int, fan_out: bool = True) -> Calibration | None:
    """Fit the model to every submitted rating of the rubric and store it; None when the rubric is gone.

    One transaction, holding the rubric's row lock so two calibrations of a
    rubric never interleave. With ``fan_out``, every opening of the rubric with
    submitted scorecards is recomputed after commit (a Celery task each).
    Idempotent: the same ratings give the same stored values.
    """
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().filter(pk=rubric_id).first()
        if rubric is None:
            return None
        # Times first: a scorecard submitted between the two reads looks newer than
        # inputs_at, so the sweep calibrates once more.
        inputs_at = _rubric_scorecards(rubric_id).aggregate(
            newest=Max(Coalesce("amended_at", "submitted_at"))
        )["newest"]
        area_keys, area_of_id = _rubric_area_keys(rubric_id)
        ratings, application_ids, interviewer_ids = _engine_ratings(
            _rubric_ratings(rubric_id), area_of_id, area_keys
        )
        started = time.perf_counter()
        model = engine.calibrate(ratings)
        fit_seconds = time.perf_counter() - started
        now = timezone.now()
        stored, _ = Calibration.objects.update_or_create(
            rubric=rubric,
            defaults={
                "area_keys": area_keys,
                "area_mean": [float(v) for v in model.area_mean],
                "general_sd": float(model.general_sd),
                "specific_sd": [float(v) for v in model.specific_sd],
                "noise_sd": [float(v) for v in model.noise_sd],
                "severity_sd": float(model.severity_sd),
                "interviewer_ids": interviewer_ids.tolist(),
                "covariance": _covariance_bytes(model.covariance),
                "n_ratings": len(ratings.level),
                "n_interviewers": len(interviewer_ids),
                "n_applications": len(application_ids),
                "iterations": model.iterations,
                "converged": model.converged,
                "fit_seconds": round(fit_seconds, 4),
                "inputs_at": inputs_at,
                "computed_at": now,
            },
        )
        InterviewerOffset.objects.filter(rubric=rubric).exclude(
            interviewer_id__in=interviewer_ids.tolist()
        ).delete()
        upsert_columns(
            InterviewerOffset,
            columns={
                "interviewer_id": interviewer_ids.tolist(),
                "offset": model.leniency.tolist(),
                "standard_error": model.leniency_se.tolist(),
                "n_ratings": model.n_ratings.tolist(),
            },
            unique_fields=["rubric_id", "interviewer_id"],
            constants={"rubric_id": rubric_id, "computed_at": now},
        )
        if fan_out:
            openings = (
                Opening.objects.filter(
                    applications__interviews__scorecards__status=Scorecard.Status.SUBMITTED,
                    applications__interviews__scorecards__rubric_version__rubric_id=rubric_id,
                )
                .distinct()
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for opening_id in openings:
                enqueue_on_commit("scoring.opening_scores_recompute", opening_id)
    return stored


def calibration_for(rubric_id: int, *, create: bool = True) -> StoredCalibration | None:
    """The rubric's stored calibration, cached per process; calibrated now when there is none yet.

    Calibrating on first use keeps scores calibrated from the very first
    scorecard (its openings are recomputed after commit, as after any
    calibration); after that, the beat sweep keeps it fresh.
    """
    row = Calibration.objects.filter(rubric_id=rubric_id).values_list("pk", "computed_at").first()
    if row is None:
        if not create or calibration_run(rubric_id=rubric_id) is None:
            return None
        row = Calibration.objects.filter(rubric_id=rubric_id).values_list("pk", "computed_at").first()
    pk, computed_at = row
    cached = _CACHE.get(rubric_id)
    if cached is not None and cached.pk == pk and cached.computed_at == computed_at:
        return cached
    stored = Calibration.objects.get(pk=pk)
    area_keys, interviewer_ids = list(stored.area_keys), list(stored.interviewer_ids)
    size = len(area_keys) + len(interviewer_ids)
    offsets = {
        interviewer: (offset, n)
        for interviewer, offset, n in InterviewerOffset.objects.filter(rubric_id=rubric_id).values_list(
            "interviewer_id", "offset", "n_ratings"
        )
    }
    model = engine.Calibration(
        area_mean=np.array(stored.area_mean, dtype=np.float64),
        general_sd=stored.general_sd,
        specific_sd=np.array(stored.specific_sd, dtype=np.float64),
        noise_sd=np.array(stored.noise_sd, dtype=np.float64),
        severity_sd=stored.severity_sd,
        leniency=np.array([offsets.get(i, (0.0, 0))[0] for i in interviewer_ids], dtype=np.float64),
        covariance=_covariance_load(stored.covariance, size),
        n_ratings=np.array([offsets.get(i, (0.0, 0))[1] for i in interviewer_ids], dtype=np.int64),
        iterations=stored.iterations,
        converged=stored.converged,
    )
    cached = StoredCalibration(
        pk=pk,
        computed_at=computed_at,
        model=model,
        area_index={key: i for i, key in enumerate(area_keys)},
        interviewer_index={interviewer: i for i, interviewer in enumerate(interviewer_ids)},
    )
    _CACHE[rubric_id] = cached
    return cached


def calibrations_due(*, now: datetime | None = None) -> list[int]:
    """Rubrics with ratings newer than their calibration whose debounce or staleness bound has passed."""
    now = now or timezone.now()
    quiet = timedelta(seconds=settings.CALIBRATION_QUIET_SECONDS)
    staleness = timedelta(minutes=settings.CALIBRATION_MAX_STALENESS_MINUTES)
    calibrated = dict(Calibration.objects.values_list("rubric_id", "inputs_at"))
    due = []
    for rubric_id in Rubric.objects.order_by("pk").values_list("pk", flat=True):
        since = calibrated.get(rubric_id)
        moment = Coalesce("amended_at", "submitted_at")
        newer = _rubric_scorecards(rubric_id).annotate(moment=moment)
        if since is not None:
            newer = newer.filter(Q(moment__gt=since))
        window = newer.aggregate(newest=Max("moment"), oldest=Min("moment"))
        if window["newest"] is None:
            continue
        if now - window["newest"] >= quiet or now - window["oldest"] >= staleness:
            due.append(rubric_id)
    return due
