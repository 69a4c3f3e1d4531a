"""Load ratings, run the engine, save the results: batch per opening, single per application.

The batch (``opening_recompute``) estimates interviewer offsets from every
submitted rating of the opening, then skill estimates and fit for all its
applications, and writes them with set-based upserts: a fixed number of
queries whatever the number of candidates. A single recompute
(``application_recompute``) reuses the opening's stored offsets and noise,
so a new scorecard updates its candidate in milliseconds. Both lock the
opening's row for their transaction, so batch and single recomputes of one
opening never interleave, and both are idempotent: running them twice writes
the same values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import ProfileEntry, Role, Scorecard
from hiring.models import Application, Opening
from scoring import engine
from scoring.bulk import fetch_int_columns, upsert
from scoring.models import ApplicationScoreState, FitScore, InterviewerOffset, OpeningCalibration

RATINGS_SQL = """
SELECT CAST(i.application_id AS BIGINT), CAST(r.area_id AS BIGINT),
       CAST(s.interviewer_id AS BIGINT), CAST(r.level AS BIGINT)
FROM assessments_rating r
JOIN assessments_scorecard s ON s.id = r.scorecard_id
JOIN hiring_interview i ON i.id = s.interview_id
JOIN hiring_application a ON a.id = i.application_id
WHERE a.opening_id = %s AND s.status = 'submitted' AND r.level IS NOT NULL
"""

FIT_FIELDS = [
    "application_id",
    "role_id",
    "fit",
    "lower",
    "upper",
    "standard_error",
    "coverage",
    "gated",
    "below_bar",
    "consider_role_id",
    "computed_at",
]
STATE_FIELDS = ["application_id", "computed_at", "inputs_at", "estimates"]


@dataclass(frozen=True)
class RubricMatrices:
    """An opening's rubric version as engine inputs, with the ids to map results back."""

    profiles: engine.Profiles
    role_ids: list[int]
    role_keys: list[str]
    area_ids: list[int]
    area_keys: list[str]
    own_role_index: int


def rubric_matrices(opening: Opening) -> RubricMatrices:
    """Weights, expected levels and minimums of the opening's rubric version (one query)."""
    entries = list(
        ProfileEntry.objects.filter(profile__version_id=opening.rubric_version_id)
        .select_related("profile__role", "area")
        .order_by("profile__role__order", "profile__role__key", "area__order")
    )
    roles: dict[int, Role] = {}
    areas: dict[int, tuple[int, str]] = {}
    for entry in entries:
        roles.setdefault(entry.profile.role_id, entry.profile.role)
        areas.setdefault(entry.area_id, (entry.area.order, entry.area.key))
    role_ids = list(roles)
    area_ids = sorted(areas, key=lambda area_id: areas[area_id])
    shape = (len(role_ids), len(area_ids))
    weight, expected, minimum = np.zeros(shape), np.ones(shape), np.full(shape, np.nan)
    role_index = {role_id: i for i, role_id in enumerate(role_ids)}
    area_index = {area_id: j for j, area_id in enumerate(area_ids)}
    for entry in entries:
        i, j = role_index[entry.profile.role_id], area_index[entry.area_id]
        weight[i, j] = float(entry.weight)
        expected[i, j] = entry.expected_level
        if entry.minimum_level is not None:
            minimum[i, j] = entry.minimum_level
    role_keys = [roles[role_id].key for role_id in role_ids]
    return RubricMatrices(
        profiles=engine.Profiles.from_arrays(role_keys, weight, expected, minimum),
        role_ids=role_ids,
        role_keys=role_keys,
        area_ids=area_ids,
        area_keys=[areas[area_id][1] for area_id in area_ids],
        own_role_index=role_index.get(opening.role_id, 0),
    )


def _inputs_at(application_filter: Q) -> dict[int, datetime]:
    """Newest submission or amendment per application (read before the ratings; see below)."""
    rows = (
        Scorecard.objects.filter(application_filter, status=Scorecard.Status.SUBMITTED)
        .values("interview__application_id")
        .annotate(newest=Max(Coalesce("amended_at", "submitted_at")))
        .values_list("interview__application_id", "newest")
    )
    return dict(rows)


def _engine_ratings(
    rows: np.ndarray, application_ids: np.ndarray, area_ids: list[int], rater_ids: np.ndarray
) -> engine.Ratings:
    """Map (application, area, interviewer, level) id rows to engine indices."""
    area_lookup = np.full(max(area_ids, default=0) + 1, -1, dtype=np.int64)
    area_lookup[np.asarray(area_ids, dtype=np.int64)] = np.arange(len(area_ids))
    in_rubric = (rows[:, 1] < len(area_lookup)) & (
        area_lookup[np.minimum(rows[:, 1], len(area_lookup) - 1)] >= 0
    )
    rows = rows[in_rubric]
    return engine.Ratings.from_arrays(
        np.searchsorted(application_ids, rows[:, 0]),
        area_lookup[rows[:, 1]],
        np.searchsorted(rater_ids, rows[:, 2]),
        rows[:, 3].astype(np.float64),
        n_candidates=len(application_ids),
        n_areas=len(area_ids),
        n_raters=len(rater_ids),
    )


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


def _result_rows(
    *,
    application_ids: np.ndarray,
    estimates: engine.SkillEstimates,
    fit: engine.Fit,
    matrices: RubricMatrices,
    inputs_at: dict[int, datetime],
    now: datetime,
) -> tuple[list[tuple], list[tuple]]:
    """Rows for FitScore and ApplicationScoreState, in FIT_FIELDS / STATE_FIELDS order."""
    consider = engine.consider_for(fit, matrices.own_role_index)
    own = matrices.own_role_index
    area_keys = np.array(matrices.area_keys)
    fit_values = np.round(fit.fit, 4).tolist()
    lower = np.round(fit.lower, 4).tolist()
    upper = np.round(fit.upper, 4).tolist()
    standard_error = np.round(fit.se, 4).tolist()
    coverage = np.round(fit.coverage, 6).tolist()
    gated = fit.gated.tolist()
    estimate_values = np.round(estimates.estimate, 4).tolist()
    estimate_se = np.round(estimates.se, 4).tolist()
    counts = estimates.n_ratings.tolist()
    has_bar = fit.below_bar.any(axis=2)

    fit_rows, state_rows = [], []
    for c, application_id in enumerate(application_ids.tolist()):
        for r, role_id in enumerate(matrices.role_ids):
            value = fit_values[c][r]
            missing = value != value  # NaN
            below = area_keys[fit.below_bar[c, r]].tolist() if has_bar[c, r] else []
            consider_role = matrices.role_ids[consider[c]] if r == own and consider[c] >= 0 else None
            fit_rows.append(
                (
                    application_id,
                    role_id,
                    None if missing else value,
                    None if missing else lower[c][r],
                    None if missing else upper[c][r],
                    None if missing else standard_error[c][r],
                    coverage[c][r],
                    gated[c][r],
                    below,
                    consider_role,
                    now,
                )
            )
        estimate_map = {
            key: [estimate_values[c][a], estimate_se[c][a], counts[c][a]]
            for a, key in enumerate(matrices.area_keys)
            if counts[c][a]
        }
        state_rows.append((application_id, now, inputs_at.get(application_id), estimate_map))
    return fit_rows, state_rows


def opening_recompute(*, opening_id: int) -> int:
    """Recompute offsets, estimates and fit for every application of an opening.

    Returns the number of applications scored; 0 when the opening is gone.
    One transaction; a fixed number of queries whatever the number of candidates.
    """
    with transaction.atomic():
        opening = Opening.objects.select_for_update().filter(pk=opening_id).first()
        if opening is None:
            return 0
        matrices = rubric_matrices(opening)
        # Read the newest input times before the ratings: anything submitted in
        # between is then newer than inputs_at, and the sweep picks it up again.
        inputs_at = _inputs_at(Q(interview__application__opening_id=opening_id))
        application_ids = np.array(
            sorted(Application.objects.filter(opening_id=opening_id).values_list("pk", flat=True)),
            dtype=np.int64,
        )
        rows = fetch_int_columns(RATINGS_SQL, [opening_id], width=4)
        rater_ids = np.unique(rows[:, 2]) if len(rows) else np.empty(0, dtype=np.int64)
        ratings = _engine_ratings(rows, application_ids, matrices.area_ids, rater_ids)

        offsets = engine.estimate_rater_offsets(ratings)
        estimates = engine.estimate_skills(ratings, offsets)
        fit = engine.fit_scores(estimates, matrices.profiles)
        now = timezone.now()

        OpeningCalibration.objects.update_or_create(
            opening=opening,
            defaults={
                "sigma": offsets.sigma,
                "tau": offsets.tau,
                "n_ratings": len(ratings.level),
                "n_applications": len(application_ids),
                "computed_at": now,
            },
        )
        upsert(
            InterviewerOffset,
            fields=[
                "opening_id",
                "interviewer_id",
                "offset",
                "standard_error",
                "raw_offset",
                "raw_standard_error",
                "n_ratings",
                "n_corated",
                "computed_at",
            ],
            unique_fields=["opening_id", "interviewer_id"],
            rows=[
                (
                    opening_id,
                    int(rater_id),
                    float(offsets.offset[r]),
                    float(offsets.se[r]),
                    float(offsets.raw[r]),
                    _number(offsets.raw_se[r]),
                    int(offsets.n_ratings[r]),
                    int(offsets.n_corated[r]),
                    now,
                )
                for r, rater_id in enumerate(rater_ids.tolist())
            ],
        )
        fit_rows, state_rows = _result_rows(
            application_ids=application_ids,
            estimates=estimates,
            fit=fit,
            matrices=matrices,
            inputs_at=inputs_at,
            now=now,
        )
        upsert(FitScore, fields=FIT_FIELDS, unique_fields=["application_id", "role_id"], rows=fit_rows)
        upsert(ApplicationScoreState, fields=STATE_FIELDS, unique_fields=["application_id"], rows=state_rows)
        _reliability_save(opening_id=opening_id, ratings=ratings, matrices=matrices, now=now)
    return len(application_ids)


def _reliability_save(*, opening_id: int, ratings: engine.Ratings, matrices: RubricMatrices, now) -> None:
    """Inter-rater agreement per area (Krippendorff's alpha) for the opening."""
    try:
        from scoring.reliability import area_agreement
    except ImportError:  # the reliability module is optional until it lands
        return
    from scoring.models import AreaReliability

    upsert(
        AreaReliability,
        fields=[
            "opening_id",
            "area_id",
            "alpha",
            "n_units",
            "n_ratings",
            "n_raters",
            "reading",
            "computed_at",
        ],
        unique_fields=["opening_id", "area_id"],
        rows=[
            (
                opening_id,
                matrices.area_ids[agreement.area],
                _number(agreement.alpha),
                agreement.n_units,
                agreement.n_ratings,
                agreement.n_raters,
                agreement.reading,
                now,
            )
            for agreement in area_agreement(ratings)
        ],
    )


def application_recompute(*, application_id: int) -> bool:
    """Recompute one application's estimates and fit with the opening's stored offsets.

    Runs the opening's batch instead when the opening was never calibrated.
    Returns False when the application is gone. Idempotent.
    """
    opening_id = Application.objects.filter(pk=application_id).values_list("opening_id", flat=True).first()
    if opening_id is None:
        return False
    with transaction.atomic():
        opening = Opening.objects.select_for_update().filter(pk=opening_id).first()
        calibration = OpeningCalibration.objects.filter(opening_id=opening_id).first()
        if opening is None:
            return False
        if calibration is None:
            opening_recompute(opening_id=opening_id)
            return True
        matrices = rubric_matrices(opening)
        inputs_at = _inputs_at(Q(interview__application_id=application_id))
        rows = np.array(
            list(
                Scorecard.objects.filter(
                    interview__application_id=application_id,
                    status=Scorecard.Status.SUBMITTED,
                    ratings__level__isnull=False,
                ).values_list(
                    "interview__application_id", "ratings__area_id", "interviewer_id", "ratings__level"
                )
            ),
            dtype=np.int64,
        ).reshape(-1, 4)
        rater_ids = np.unique(rows[:, 2]) if len(rows) else np.empty(0, dtype=np.int64)
        stored = {
            item.interviewer_id: item
            for item in InterviewerOffset.objects.filter(
                opening_id=opening_id, interviewer_id__in=rater_ids.tolist()
            )
        }
        # Interviewers the batch has not seen yet get no correction until the next batch.
        none = engine.RaterOffsets.zero(len(rater_ids), sigma=calibration.sigma)
        offsets = engine.RaterOffsets(
            offset=np.array([stored[r].offset if r in stored else 0.0 for r in rater_ids.tolist()]),
            se=np.array([stored[r].standard_error if r in stored else 0.0 for r in rater_ids.tolist()]),
            raw=none.raw,
            raw_se=none.raw_se,
            n_ratings=none.n_ratings,
            n_corated=none.n_corated,
            sigma=calibration.sigma,
            tau=calibration.tau,
        )
        application_ids = np.array([application_id], dtype=np.int64)
        ratings = _engine_ratings(rows, application_ids, matrices.area_ids, rater_ids)
        estimates = engine.estimate_skills(ratings, offsets)
        fit = engine.fit_scores(estimates, matrices.profiles)
        fit_rows, state_rows = _result_rows(
            application_ids=application_ids,
            estimates=estimates,
            fit=fit,
            matrices=matrices,
            inputs_at=inputs_at,
            now=timezone.now(),
        )
        upsert(FitScore, fields=FIT_FIELDS, unique_fields=["application_id", "role_id"], rows=fit_rows)
        upsert(ApplicationScoreState, fields=STATE_FIELDS, unique_fields=["application_id"], rows=state_rows)
    return True


def applications_stale(*, limit: int = 1000, opening_id: int | None = None) -> list[int]:
    """Applications with a submitted scorecard newer than their scores (or never scored), oldest first."""
    newest = (
        Scorecard.objects.filter(interview__application_id=OuterRef("pk"), status=Scorecard.Status.SUBMITTED)
        .values("interview__application_id")
        .annotate(newest=Max(Coalesce("amended_at", "submitted_at")))
        .values("newest")
    )
    applications = (
        Application.objects.all() if opening_id is None else Application.objects.filter(opening_id=opening_id)
    )
    return list(
        applications.annotate(newest_input=Subquery(newest[:1]))
        .filter(newest_input__isnull=False)
        .filter(
            Q(score_state__isnull=True)
            | Q(score_state__inputs_at__isnull=True)
            | Q(score_state__inputs_at__lt=F("newest_input"))
        )
        .order_by("newest_input", "pk")
        .values_list("pk", flat=True)[:limit]
    )
