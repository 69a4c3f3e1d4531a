"""Load ratings, run the engine, save the results: batch per opening, single per application.

Both read the rubric's stored calibration (``scoring.calibration``): the
measurement model fitted to every submitted rating of the rubric across
openings, so every recompute, single or batch, uses the latest interviewer
leniencies, and the first one of a new rubric calibrates it first.

The batch (``opening_recompute``) scores every application of an opening and
writes the results with set-based upserts: a fixed number of queries whatever
the number of candidates. A single recompute (``application_recompute``)
scores one application in milliseconds; ``applications_recompute`` scores a few
(what the recompute task coalesced, ``scoring.coalescing``) for about the cost
of one, with one event per application as if each ran alone. All lock the opening's row for their
transaction, so batch and single recomputes of one opening never interleave,
and both are idempotent: running them twice writes the same values.

All record ``fit_scores.updated`` events in their transaction. A single
recompute's event carries the application's fits as ``GET /api/v1/fit-scores/``
lists them; a batch records ONE event for the whole opening (its id, the
number of applications and ``computed_at``), not one per application, so a
100,000-candidate batch costs one row: clients then page
``/api/v1/fit-scores/?opening=<id>&updated_since=<computed_at>``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import ProfileEntry, Scorecard
from config.celery import enqueue_on_commit, task_signature
from hiring.models import Application, Opening
from integrations.events import event_emit, events_emit
from scoring import engine, representations
from scoring.bulk import copy_into_temp_table, copy_text_into_temp_table, fetch_int_columns, upsert_columns
from scoring.calibration import calibration_for
from scoring.models import ApplicationScoreState, AreaReliability, FitScore
from scoring.reliability import area_agreement

# Every rating of the opening's submitted scorecards: application, area, interviewer,
# level (0 for "not assessed").
RATINGS_SQL = """
SELECT CAST(i.application_id AS BIGINT), CAST(r.area_id AS BIGINT), CAST(s.interviewer_id AS BIGINT),
       CAST(COALESCE(r.level, 0) AS BIGINT)
FROM assessments_rating r
JOIN assessments_scorecard s ON s.id = r.scorecard_id
JOIN hiring_interview i ON i.id = s.interview_id
JOIN hiring_application a ON a.id = i.application_id
WHERE a.opening_id = %s AND s.status = 'submitted'
"""
# The newest submission or amendment per application, in epoch microseconds
# (exact: PostgreSQL's EXTRACT returns numeric).
INPUTS_SQL = """
SELECT CAST(i.application_id AS BIGINT),
       CAST(max(EXTRACT(EPOCH FROM COALESCE(s.amended_at, s.submitted_at)) * 1000000) AS BIGINT)
FROM assessments_scorecard s
JOIN hiring_interview i ON i.id = s.interview_id
JOIN hiring_application a ON a.id = i.application_id
WHERE a.opening_id = %s AND s.status = 'submitted'
GROUP BY i.application_id
"""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RubricMatrices:
    """An opening's rubric version as engine inputs, with the ids to map results back."""

    profiles: engine.Profiles
    role_ids: list[int]
    role_keys: list[str]
    area_ids: list[int]
    area_keys: list[str]
    own_role_index: int
    rubric_id: int = 0


# Locked rubric versions never change, so their matrices are cached per process.
_LOCKED_MATRICES: dict[int, RubricMatrices] = {}


def rubric_matrices(opening: Opening) -> RubricMatrices:
    """Weights, expected levels and minimums of the opening's rubric version (cached once locked)."""
    cached = _LOCKED_MATRICES.get(opening.rubric_version_id)
    if cached is None:
        cached, locked = _rubric_matrices_load(opening.rubric_version_id)
        if locked:
            _LOCKED_MATRICES[opening.rubric_version_id] = cached
    own = cached.role_ids.index(opening.role_id) if opening.role_id in cached.role_ids else 0
    return dataclasses.replace(cached, own_role_index=own)


def _rubric_matrices_load(version_id: int) -> tuple[RubricMatrices, bool]:
    entries = list(
        ProfileEntry.objects.filter(profile__version_id=version_id)
        .order_by("profile__role__order", "profile__role__key", "area__order")
        .values_list(
            "profile__role_id",
            "profile__role__key",
            "area_id",
            "area__key",
            "area__order",
            "weight",
            "expected_level",
            "minimum_level",
            "profile__version__locked_at",
            "profile__version__rubric_id",
        )
    )
    role_keys_by_id: dict[int, str] = {}
    areas: dict[int, tuple[int, str]] = {}
    for role_id, role_key, area_id, area_key, area_order, *_ in entries:
        role_keys_by_id.setdefault(role_id, role_key)
        areas.setdefault(area_id, (area_order, area_key))
    role_ids = list(role_keys_by_id)
    area_ids = sorted(areas, key=lambda area_id: areas[area_id])
    shape = (len(role_ids), len(area_ids))
    weight, expected, minimum = np.zeros(shape), np.ones(shape), np.full(shape, np.nan)
    role_index = {role_id: i for i, role_id in enumerate(role_ids)}
    area_index = {area_id: j for j, area_id in enumerate(area_ids)}
    for role_id, _, area_id, _, _, entry_weight, entry_expected, entry_minimum, _, _ in entries:
        i, j = role_index[role_id], area_index[area_id]
        weight[i, j] = float(entry_weight)
        expected[i, j] = entry_expected
        if entry_minimum is not None:
            minimum[i, j] = entry_minimum
    role_keys = [role_keys_by_id[role_id] for role_id in role_ids]
    matrices = RubricMatrices(
        profiles=engine.Profiles.from_arrays(role_keys, weight, expected, minimum),
        role_ids=role_ids,
        role_keys=role_keys,
        area_ids=area_ids,
        area_keys=[areas[area_id][1] for area_id in area_ids],
        own_role_index=0,
        rubric_id=entries[0][-1] if entries else 0,
    )
    locked = bool(entries) and entries[0][-2] is not None
    return matrices, locked


def _inputs_at(application_filter: Q) -> dict[int, datetime]:
    """Newest submission or amendment per application (the portable, ORM path)."""
    rows = (
        Scorecard.objects.filter(application_filter, status=Scorecard.Status.SUBMITTED)
        .values("interview__application_id")
        .annotate(newest=Max(Coalesce("amended_at", "submitted_at")))
        .values_list("interview__application_id", "newest")
    )
    return dict(rows)


def _ratings_rows(scorecard_filter: Q) -> np.ndarray:
    """(application, area, interviewer, level) of assessed ratings on submitted scorecards (ORM path)."""
    return np.array(
        list(
            Scorecard.objects.filter(
                scorecard_filter, status=Scorecard.Status.SUBMITTED, ratings__level__isnull=False
            ).values_list("interview__application_id", "ratings__area_id", "interviewer_id", "ratings__level")
        ),
        dtype=np.int64,
    ).reshape(-1, 4)


def _opening_ratings(
    opening_id: int, application_ids: np.ndarray
) -> tuple[np.ndarray, list[datetime | None]]:
    """(application, area, interviewer, level) rows of assessed ratings, and inputs_at per application.

    The input times come from the same read as the ratings, so inputs_at never
    claims a scorecard the computation did not see.
    """
    if connection.vendor == "postgresql":
        # Times first: a scorecard submitted between the two reads then looks newer
        # than inputs_at, and the sweep recomputes the application once more.
        newest = fetch_int_columns(INPUTS_SQL, [opening_id], width=2)
        inputs_us = np.zeros(len(application_ids), dtype=np.int64)
        inputs_us[np.searchsorted(application_ids, newest[:, 0])] = newest[:, 1]
        rows = fetch_int_columns(RATINGS_SQL, [opening_id], width=4)
        return rows[rows[:, 3] > 0], inputs_us
    # Portable path: read the times first, so anything submitted meanwhile looks newer.
    inputs_at = _inputs_at(Q(interview__application__opening_id=opening_id))
    rows = _ratings_rows(Q(interview__application__opening_id=opening_id))
    return rows, _microseconds([inputs_at.get(application_id) for application_id in application_ids.tolist()])


def _microseconds(moments: list[datetime | None]) -> np.ndarray:
    return np.array(
        [0 if m is None else (m - EPOCH) // timedelta(microseconds=1) for m in moments], dtype=np.int64
    )


def _datetimes(microseconds: np.ndarray) -> list[datetime | None]:
    return [EPOCH + timedelta(microseconds=int(us)) if us else None for us in microseconds.tolist()]


def _index_of(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Position of each value in the distinct ``ids``; -1 where it is not one of them.

    A dense lookup table when the ids span a range not much wider than their
    number (one gather instead of a binary search per value); else a search.
    """
    if not len(ids) or not len(values):
        return np.full(len(values), -1, dtype=np.int64)
    low, high = int(ids.min()), int(ids.max())
    if high - low < 4 * len(ids) + 1024:
        lookup = np.full(high - low + 2, -1, dtype=np.int64)  # the last slot catches values out of range
        lookup[ids - low] = np.arange(len(ids))
        return lookup[np.clip(values - low, -1, high - low + 1)]
    order = np.argsort(ids)
    found = np.minimum(np.searchsorted(ids[order], values), len(ids) - 1)
    return np.where(ids[order][found] == values, order[found], -1)


def _engine_ratings(
    rows: np.ndarray, application_ids: np.ndarray, area_ids: list[int]
) -> tuple[engine.Ratings, np.ndarray]:
    """Map (application, area, interviewer, level) id rows to engine indices; also the interviewer ids.

    Rows of areas outside the rubric version, or of applications not in
    ``application_ids`` (created after they were listed), are left out.
    """
    rater_ids = np.unique(rows[:, 2]) if len(rows) else np.empty(0, dtype=np.int64)
    candidate = _index_of(rows[:, 0], application_ids)
    area = _index_of(rows[:, 1], np.asarray(area_ids, dtype=np.int64))
    rater = _index_of(rows[:, 2], rater_ids)
    level = rows[:, 3]
    known = (candidate >= 0) & (area >= 0)
    if not known.all():
        candidate, area, rater, level = candidate[known], area[known], rater[known], level[known]
    ratings = engine.Ratings.from_arrays(
        candidate,
        area,
        rater,
        level.astype(np.float64),
        n_candidates=len(application_ids),
        n_areas=len(area_ids),
        n_raters=len(rater_ids),
    )
    # In the engine's canonical order already, so the engine keeps no second copy of the ratings.
    return ratings.canonical(), rater_ids


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


COPY_THRESHOLD = 200  # applications; fewer go in one plain statement per table


def _results_save(
    *,
    application_ids: np.ndarray,
    estimates: engine.SkillEstimates,
    fit: engine.Fit,
    matrices: RubricMatrices,
    inputs_us: np.ndarray,
    now: datetime,
) -> list[dict]:
    """Upsert FitScore (application x role) and ApplicationScoreState rows.

    Returns the fit rows written (``_fit_rows``) when they went in row by row,
    up to ``COPY_THRESHOLD`` applications; a batch copied in returns none.
    """
    n_candidates, n_roles = fit.fit.shape
    consider = engine.consider_for(fit, matrices.own_role_index)
    role_ids = np.asarray(matrices.role_ids, dtype=np.int64)
    consider_ids = np.full((n_candidates, n_roles), -1, dtype=np.int64)
    flagged = consider >= 0
    consider_ids[flagged, matrices.own_role_index] = role_ids[consider[flagged]]
    below_mask = (fit.below_bar.astype(np.int64) << np.arange(len(matrices.area_keys), dtype=np.int64)).sum(
        axis=2
    )
    bars = _bar_areas(matrices)
    width = max((len(areas) for areas in bars), default=0)
    # Probability of being below each bar, in the role's bar order; NaN pads roles with fewer bars.
    below_probability = np.full((n_candidates, n_roles, width), np.nan)
    for r, areas in enumerate(bars):
        below_probability[:, r, : len(areas)] = np.round(fit.below_probability[:, r, areas], 4)
    fit_columns = {
        "application_id": ("bigint", np.repeat(application_ids, n_roles)),
        "role_id": ("bigint", np.tile(role_ids, n_candidates)),
        "fit": ("double precision", np.round(fit.fit, 4).ravel()),
        "lower": ("double precision", np.round(fit.lower, 4).ravel()),
        "upper": ("double precision", np.round(fit.upper, 4).ravel()),
        "standard_error": ("double precision", np.round(fit.se, 4).ravel()),
        "coverage": ("double precision", np.round(fit.coverage, 6).ravel()),
        "meets": (
            "double precision",
            np.where(np.isnan(fit.fit), np.nan, np.round(fit.meets_probability, 4)).ravel(),
        ),
        "gated": ("boolean", fit.gated.ravel()),
        "below_mask": ("bigint", below_mask.ravel()),
        "consider_role_id": ("bigint", consider_ids.ravel()),
        **{f"p{i}": ("double precision", below_probability[:, :, i].ravel()) for i in range(width)},
    }
    if connection.vendor == "postgresql" and n_candidates > COPY_THRESHOLD:
        # The estimates' JSON is built on a second thread while PostgreSQL writes the
        # fit rows: the main thread only waits on the socket meanwhile.
        with ThreadPoolExecutor(max_workers=1) as pool:
            estimates_json = pool.submit(_estimates_json, estimates, matrices.area_keys)
            masks = np.unique(below_mask)
            below_bar = [json.dumps(_area_keys_of(int(mask), matrices.area_keys)) for mask in masks.tolist()]
            probability_sql, probability_params = _below_probability_sql(matrices, bars)
            with connection.cursor() as cursor:
                copy_into_temp_table(cursor, "scoring_fit_input", fit_columns)
                cursor.execute(
                    FIT_UPSERT_SQL.format(below_bar_probability=probability_sql),
                    [*probability_params, now, masks.tolist(), below_bar],
                )
                inputs = np.asarray(inputs_us, dtype=np.int64).tolist()
                copy_text_into_temp_table(
                    cursor,
                    "scoring_state_input",
                    "application_id bigint, inputs_us bigint, estimates text",
                    [
                        f"{application_id}\t{inputs[c]}\t{text}\n"
                        for c, (application_id, text) in enumerate(
                            zip(application_ids.tolist(), estimates_json.result(), strict=True)
                        )
                    ],
                )
                cursor.execute(STATE_UPSERT_SQL, [now])
        return []

    rows = _fit_rows(fit_columns, matrices, bars, now)
    upsert_columns(
        FitScore,
        columns={
            **{name: [row[name] for row in rows] for name in _FIT_ROW_COLUMNS},
            **{
                name: [json.dumps(row[name]) for row in rows]
                for name in ("below_bar", "below_bar_probability")
            },
        },
        unique_fields=["application_id", "role_id"],
        constants={"computed_at": now},
    )
    upsert_columns(
        ApplicationScoreState,
        columns={
            "application_id": application_ids.tolist(),
            "inputs_at": _datetimes(np.asarray(inputs_us)),
            "estimates": _estimates_json(estimates, matrices.area_keys),
        },
        unique_fields=["application_id"],
        constants={"computed_at": now},
    )
    return rows


_FIT_ROW_COLUMNS = (
    "application_id",
    "role_id",
    "fit",
    "lower",
    "upper",
    "standard_error",
    "coverage",
    "meets_bars_probability",
    "gated",
    "consider_role_id",
)


def _fit_rows(
    fit_columns: dict[str, tuple[str, np.ndarray]], matrices: RubricMatrices, bars: list[list[int]], now
) -> list[dict]:
    """The fit rows to write, each as ``representations.fit_score_rows`` reads it back, with the ids too.

    What the database stores: a NaN float is NULL, and the JSON columns hold
    these lists and objects (a float survives the JSON round trip exactly).
    """
    role_keys = dict(zip(matrices.role_ids, matrices.role_keys, strict=True))
    values = {name: column.tolist() for name, (_, column) in fit_columns.items()}
    rows = []
    for index, (application_id, role_id) in enumerate(
        zip(values["application_id"], values["role_id"], strict=True)
    ):
        role = index % len(matrices.role_ids)
        consider = values["consider_role_id"][index]
        rows.append(
            {
                "application_id": application_id,
                "role_id": role_id,
                "role__key": role_keys[role_id],
                **{
                    name: _null_if_nan(values[name][index])
                    for name in ("fit", "lower", "upper", "standard_error", "coverage")
                },
                "meets_bars_probability": _null_if_nan(values["meets"][index]),
                "below_bar_probability": {
                    matrices.area_keys[area]: values[f"p{i}"][index] for i, area in enumerate(bars[role])
                },
                "gated": bool(values["gated"][index]),
                "below_bar": _area_keys_of(values["below_mask"][index], matrices.area_keys),
                "consider_role_id": None if consider < 0 else consider,
                "consider_role__key": None if consider < 0 else role_keys[consider],
                "computed_at": now,
            }
        )
    return rows


def _null_if_nan(value: float) -> float | None:
    return None if math.isnan(value) else value


def _bar_areas(matrices: RubricMatrices) -> list[list[int]]:
    """Per role, the indices of the areas with a must-have bar."""
    minimum = matrices.profiles.minimum
    return [np.flatnonzero(~np.isnan(minimum[r])).tolist() for r in range(len(matrices.role_ids))]


def _below_probability_sql(matrices: RubricMatrices, bars: list[list[int]]) -> tuple[str, list]:
    """A CASE building each row's {area: P(below)} object from the p0, p1... columns, and its parameters."""
    cases, params = [], []
    for role_id, areas in zip(matrices.role_ids, bars, strict=True):
        pairs = ", ".join(f"%s::text, f.p{i}" for i in range(len(areas)))
        params += [matrices.area_keys[a] for a in areas]
        cases.append(f"WHEN f.role_id = {int(role_id)} THEN jsonb_build_object({pairs})")
    return f"CASE {' '.join(cases)} ELSE '{{}}'::jsonb END", params


def _area_keys_of(mask: int, area_keys: list[str]) -> list[str]:
    """The area keys whose bits are set in ``mask`` (bit i is area i)."""
    return [key for i, key in enumerate(area_keys) if mask >> i & 1]


def _estimates_json(estimates: engine.SkillEstimates, area_keys: list[str]) -> list[str]:
    """Per application, its posterior as JSON text: {area: [mean, sd, ratings]} for every area.

    Built with NumPy string operations over the assessed cells (no Python loop
    per cell), then joined per application.
    """
    from numpy.dtypes import StringDType

    assessed = np.ones(estimates.n_ratings.shape, dtype=bool)
    candidate_index, area_index = np.nonzero(assessed)
    text = StringDType()
    quoted = np.array([json.dumps(key) + ":[" for key in area_keys], dtype=text)
    # Four decimals written as integer mantissas ("36880e-4" is the JSON number 3.688):
    # integer formatting is several times faster than float formatting.
    estimate = np.rint(estimates.estimate[assessed] * 10_000).astype(np.int64).astype(text)
    error = np.rint(estimates.se[assessed] * 10_000).astype(np.int64).astype(text)
    cells = np.strings.add(np.strings.add(quoted[area_index], estimate), "e-4,")
    cells = np.strings.add(np.strings.add(cells, error), "e-4")
    cells = np.strings.add(np.strings.add(cells, ","), estimates.n_ratings[assessed].astype(text))
    cells = np.strings.add(cells, "]").tolist()
    bounds = np.searchsorted(candidate_index, np.arange(len(estimates.n_ratings) + 1)).tolist()
    return ["{" + ",".join(cells[bounds[c] : bounds[c + 1]]) + "}" for c in range(len(bounds) - 1)]


FIT_UPSERT_SQL = """
INSERT INTO scoring_fitscore (application_id, role_id, fit, lower, upper, standard_error, coverage,
                              meets_bars_probability, below_bar_probability, gated, below_bar,
                              consider_role_id, computed_at)
SELECT f.application_id, f.role_id, NULLIF(f.fit, 'NaN'), NULLIF(f.lower, 'NaN'), NULLIF(f.upper, 'NaN'),
       NULLIF(f.standard_error, 'NaN'), f.coverage, NULLIF(f.meets, 'NaN'), {below_bar_probability},
       f.gated, m.below_bar, NULLIF(f.consider_role_id, -1), %s
FROM scoring_fit_input f
-- Each distinct set of below-bar areas is spelled out once, in Python, and joined in.
JOIN unnest(%s::bigint[], %s::jsonb[]) AS m (below_mask, below_bar) ON m.below_mask = f.below_mask
ON CONFLICT (application_id, role_id) DO UPDATE
SET fit = EXCLUDED.fit, lower = EXCLUDED.lower, upper = EXCLUDED.upper,
    standard_error = EXCLUDED.standard_error, coverage = EXCLUDED.coverage,
    meets_bars_probability = EXCLUDED.meets_bars_probability,
    below_bar_probability = EXCLUDED.below_bar_probability, gated = EXCLUDED.gated,
    below_bar = EXCLUDED.below_bar, consider_role_id = EXCLUDED.consider_role_id,
    computed_at = EXCLUDED.computed_at
"""

STATE_UPSERT_SQL = """
INSERT INTO scoring_applicationscorestate (application_id, computed_at, inputs_at, estimates)
SELECT a.application_id, %s,
       CASE WHEN a.inputs_us = 0 THEN NULL
            ELSE TIMESTAMPTZ 'epoch' + a.inputs_us * INTERVAL '1 microsecond' END,
       a.estimates::jsonb
FROM scoring_state_input a
ON CONFLICT (application_id) DO UPDATE
SET computed_at = EXCLUDED.computed_at, inputs_at = EXCLUDED.inputs_at, estimates = EXCLUDED.estimates
"""


def _opening_inputs(
    opening_id: int, matrices: RubricMatrices
) -> tuple[np.ndarray, engine.Ratings, np.ndarray, np.ndarray]:
    """Application ids (sorted), engine ratings, interviewer ids and inputs_at of an opening."""
    application_ids = np.array(
        sorted(Application.objects.filter(opening_id=opening_id).values_list("pk", flat=True)),
        dtype=np.int64,
    )
    rows, inputs_us = _opening_ratings(opening_id, application_ids)
    ratings, rater_ids = _engine_ratings(rows, application_ids, matrices.area_ids)
    return application_ids, ratings, rater_ids, inputs_us


def _is_automated(username: str) -> bool:
    """Whether the user is an automated evaluator (``settings.AUTOMATED_EVALUATORS``), of known severity."""
    return username in settings.AUTOMATED_EVALUATORS


def _automated(rater_ids: np.ndarray) -> np.ndarray:
    """Which of these interviewers are automated evaluators (``_is_automated``), in one query."""
    if not len(rater_ids) or not settings.AUTOMATED_EVALUATORS:
        return np.zeros(len(rater_ids), dtype=bool)
    usernames = get_user_model().objects.filter(pk__in=rater_ids.tolist()).values_list("pk", "username")
    automated = [pk for pk, username in usernames if _is_automated(username)]
    return np.isin(rater_ids, np.array(automated, dtype=np.int64))


def _calibration(
    matrices: RubricMatrices, rater_ids: np.ndarray, automated: np.ndarray | None = None
) -> engine.Calibration:
    """The rubric's current calibration for these areas and interviewers (calibrating a new rubric first).

    An automated evaluator's severity is known (0, see ``engine.Calibration.with_known_raters``),
    whatever the stored calibration estimated for it. ``automated`` (per rater, when the caller
    read it already) saves looking them up.
    """
    stored = calibration_for(matrices.rubric_id)
    if stored is None:  # a rubric without versions cannot score anything; the prior keeps this total
        model = engine.Calibration.prior(len(matrices.area_keys), len(rater_ids))
    else:
        model = stored.for_inputs(matrices.area_keys, rater_ids)
    return model.with_known_raters(_automated(rater_ids) if automated is None else automated)


def opening_recompute(*, opening_id: int) -> int:
    """Recompute estimates and fit for every application of an opening with the current calibration.

    Returns the number of applications scored; 0 when the opening is gone.
    One transaction; a fixed number of queries whatever the number of candidates.
    """
    with transaction.atomic():
        opening = Opening.objects.select_for_update().filter(pk=opening_id).first()
        if opening is None:
            return 0
        if connection.vendor == "postgresql":
            # Derived data: should a crash lose this commit, its inputs_at is lost with
            # it and the sweep recomputes, so the commit need not wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        matrices = rubric_matrices(opening)
        application_ids, ratings, rater_ids, inputs_us = _opening_inputs(opening_id, matrices)
        calibration = _calibration(matrices, rater_ids)
        estimates, fit = engine.fit_scores(ratings, calibration, matrices.profiles)
        del ratings  # the largest arrays of the batch: not kept while the results are written
        now = timezone.now()
        # Agreement statistics do not feed the scores: they follow in their own task.
        enqueue_on_commit("scoring.opening_reliability_recompute", opening_id)
        _results_save(
            application_ids=application_ids,
            estimates=estimates,
            fit=fit,
            matrices=matrices,
            inputs_us=inputs_us,
            now=now,
        )
        _opening_scores_event(opening_id=opening_id, applications=len(application_ids), computed_at=now)
    return len(application_ids)


def _opening_scores_event(*, opening_id: int, applications: int, computed_at: datetime) -> None:
    """One ``fit_scores.updated`` event for a batch, pointing at the page of its changes (one query)."""
    event_emit(
        type="fit_scores.updated",
        resource=representations.opening_fit_scores_event_resource(
            opening_id=opening_id, applications=applications, computed_at=computed_at
        ),
    )


def opening_reliability_recompute(*, opening_id: int) -> int:
    """Inter-rater agreement per area (Krippendorff's alpha) for the opening; returns areas saved."""
    with transaction.atomic():
        opening = Opening.objects.filter(pk=opening_id).first()
        if opening is None:
            return 0
        matrices = rubric_matrices(opening)
        _, ratings, _, _ = _opening_inputs(opening_id, matrices)
        _reliability_save(opening_id=opening_id, ratings=ratings, matrices=matrices, now=timezone.now())
    return len(matrices.area_ids)


def _reliability_save(*, opening_id: int, ratings: engine.Ratings, matrices: RubricMatrices, now) -> None:
    agreements = area_agreement(ratings)
    upsert_columns(
        AreaReliability,
        columns={
            "area_id": [matrices.area_ids[agreement.area] for agreement in agreements],
            "alpha": [np.nan if agreement.alpha is None else agreement.alpha for agreement in agreements],
            "n_units": [agreement.n_units for agreement in agreements],
            "n_ratings": [agreement.n_ratings for agreement in agreements],
            "n_raters": [agreement.n_raters for agreement in agreements],
            "reading": [agreement.reading for agreement in agreements],
        },
        unique_fields=["opening_id", "area_id"],
        constants={"opening_id": opening_id, "computed_at": now},
    )


def _applications_ratings(
    application_ids: list[int],
) -> tuple[np.ndarray, dict[int, datetime], set[int]]:
    """These applications' assessed ratings as (application, area, interviewer, level) rows, the newest
    submission or amendment among each one's submitted scorecards, and which of their interviewers are
    automated evaluators (``_is_automated``): one read (a scorecard without ratings still counts for
    the newest).
    """
    rows = Scorecard.objects.filter(
        interview__application_id__in=application_ids, status=Scorecard.Status.SUBMITTED
    ).values_list(
        "interview__application_id",
        "ratings__area_id",
        "interviewer_id",
        "ratings__level",
        "submitted_at",
        "amended_at",
        "interviewer__username",
    )
    ratings, newest, automated = [], {}, set()
    for application_id, area_id, interviewer_id, level, submitted_at, amended_at, username in rows:
        if level is not None:
            ratings.append((application_id, area_id, interviewer_id, level))
        moment = amended_at or submitted_at
        if moment is not None and (application_id not in newest or moment > newest[application_id]):
            newest[application_id] = moment
        if _is_automated(username):
            automated.add(interviewer_id)
    return np.array(ratings, dtype=np.int64).reshape(-1, 4), newest, automated


# Applications recomputed in one transaction at most: below COPY_THRESHOLD, so the fit rows
# written come back for the events, and a batch holds the opening's lock for a few milliseconds.
RECOMPUTE_BATCH = 50


def application_recompute(*, application_id: int) -> bool:
    """Recompute one application's estimates and fit with the current calibration.

    Returns False when the application is gone. Idempotent.
    """
    return applications_recompute(application_ids=[application_id]) == 1


def applications_recompute(*, application_ids: list[int]) -> int:
    """Recompute these applications' estimates and fit with the current calibration; returns how many.

    What the recompute task does after scorecards are submitted: the
    applications the worker has been asked for meanwhile share one read of the
    rubric, the calibration and the ratings, one engine run and one upsert per
    table, so a backlog costs little more than one recompute. One transaction
    per opening (its row locked, as ``opening_recompute`` does), openings in id
    order; at most ``RECOMPUTE_BATCH`` ids. Gone applications are skipped (one
    erased between the grouping read and the write fails the transaction with an
    IntegrityError, which the task retries), and the result is the same as
    recomputing each alone: an application's
    estimates depend only on its own ratings and the calibration. Idempotent.
    """
    ids = sorted({int(application_id) for application_id in application_ids})
    if len(ids) > RECOMPUTE_BATCH:
        raise ValueError(f"At most {RECOMPUTE_BATCH} applications per recompute, not {len(ids)}.")
    groups: dict[int | None, list[int]] = {}
    if len(ids) == 1:  # the opening found through the application in the locking read: one query less
        groups[None] = ids
    else:
        for application_id, opening_id in Application.objects.filter(pk__in=ids).values_list(
            "pk", "opening_id"
        ):
            groups.setdefault(opening_id, []).append(application_id)
    done = 0
    for opening_id in sorted(groups, key=lambda key: key or 0):
        done += _opening_applications_recompute(opening_id=opening_id, application_ids=groups[opening_id])
    return done


def _opening_applications_recompute(*, opening_id: int | None, application_ids: list[int]) -> int:
    """Recompute some applications of one opening (None: the opening of the only one) in one transaction."""
    with transaction.atomic():
        openings = Opening.objects.select_for_update()
        if opening_id is None:
            opening = openings.filter(applications=application_ids[0]).first()
        else:
            opening = openings.filter(pk=opening_id).first()
        if opening is None:
            return 0
        matrices = rubric_matrices(opening)
        rows, newest, automated_ids = _applications_ratings(application_ids)
        ids = np.array(application_ids, dtype=np.int64)
        ratings, rater_ids = _engine_ratings(rows, ids, matrices.area_ids)
        calibration = _calibration(matrices, rater_ids, np.isin(rater_ids, list(automated_ids)))
        estimates, fit = engine.fit_scores(ratings, calibration, matrices.profiles)
        now = timezone.now()
        fit_rows = _results_save(
            application_ids=ids,
            estimates=estimates,
            fit=fit,
            matrices=matrices,
            inputs_us=_microseconds([newest.get(application_id) for application_id in application_ids]),
            now=now,
        )
        # The state and fit rows just written, as application_fit_scores_rows and fit_score_rows read them.
        states = [
            {"application_id": application_id, "application__opening_id": opening.pk, "computed_at": now}
            for application_id in application_ids
        ]
        items = representations.application_fit_scores_resources(states, fit_rows)
        events_emit(type="fit_scores.updated", resources=items)
    return len(application_ids)


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


def opening_recompute_enqueue(*, opening: Opening) -> str:
    """Enqueue ``scoring.opening_scores_recompute`` for the opening on commit; returns the task id.

    The id is fixed before the message leaves (a frozen signature, by task
    name), so the caller can poll the result backend for it. Idempotent to run
    twice: the task recomputes from the same inputs to the same values.
    """
    signature = task_signature("scoring.opening_scores_recompute", opening.pk)
    task_id = signature.freeze().id
    with transaction.atomic():
        enqueue_on_commit(signature)
    return task_id
