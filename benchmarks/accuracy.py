"""Accuracy of the scoring engine on simulated panels with known truth: one JSON line.

Each design draws candidates with known skills and interviewers with known
leniency, rates them through a panel, and scores them three ways:

- ``engine``: the measurement model (``scoring.engine``), calibrated on the ratings;
- ``mean``: the plain mean of ratings per area, the role formula over the areas
  assessed, with a textbook interval (independent areas, SE = sd / sqrt(n));
- ``oracle``: as ``mean``, with each interviewer's true leniency subtracted first.

Truth: the role formula (``engine.formula``, with its must-have gate) applied to
the true skills, for the project's real role profiles (the data-role rubric).
Reported per design and method, averaged over the seeds: Spearman correlation with
the true fit of the opening's role, precision@10 (share of the true top 10 in the
estimated top 10) and coverage (share of true fits inside the 80% interval).

Simulation: 200 candidates, 10 interviewers, skills phi[c, a] = mu[a] + g[c] +
u[c, a] on the 1-5 scale (mu[a] uniform in 2.6-3.4, g ~ N(0, 0.5^2), u ~ N(0,
0.45^2)); rating = round(phi + leniency[r] + noise), clipped to 1-5, leniency SD
0.6, noise SD 0.7. Each interviewer of a candidate rates every area the
candidate is assessed on.

    python -m benchmarks.accuracy [--seeds 20] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import spearmanr

from scoring import engine

RUBRIC = Path(__file__).resolve().parent.parent / "assessments" / "rubrics" / "data_roles.yaml"
ROLE = "data_scientist"


@dataclass(frozen=True)
class Design:
    name: str
    raters_per_candidate: int = 3
    severity_sd: float = 0.6
    noise_sd: float = 0.7
    missing_share: float = 0.0
    groups: str = "mixed"  # "mixed", "bridged" (groups with a few bridging candidates) or "disconnected"
    slope_range: tuple[float, float] = (1.0, 1.0)  # interviewers' scale use


DESIGNS = (
    Design("base"),
    Design("two_per_candidate", raters_per_candidate=2),
    Design("sparse_bridges", groups="bridged"),
    Design("disconnected", groups="disconnected"),
    Design("missing_areas", missing_share=0.3),
    Design("severity_sd_1_2", severity_sd=1.2),
    Design("scale_use", slope_range=(0.6, 1.4)),
)
N_CANDIDATES = 200
N_RATERS = 10
BRIDGE_SHARE = 0.05


def role_profiles() -> engine.Profiles:
    """The project's real role profiles, read from the rubric file."""
    data = yaml.safe_load(RUBRIC.read_text())
    area_keys = list(data["areas"])
    roles = list(data["roles"])
    shape = (len(roles), len(area_keys))
    weight, expected, minimum = np.zeros(shape), np.ones(shape), np.full(shape, np.nan)
    for i, role in enumerate(roles):
        profile = data["roles"][role]["profile"]
        for j, key in enumerate(area_keys):
            entry = profile[key]
            weight[i, j] = entry["weight"]
            expected[i, j] = entry["expected"]
            if entry.get("minimum") is not None:
                minimum[i, j] = entry["minimum"]
    return engine.Profiles.from_arrays(roles, weight, expected, minimum)


def simulate(design: Design, seed: int, n_areas: int):
    """True skills, true leniency, and the ratings of one simulated panel."""
    rng = np.random.default_rng(seed)
    c, r = N_CANDIDATES, N_RATERS
    mu = rng.uniform(2.9, 3.7, n_areas)
    truth = mu[None, :] + rng.normal(0, 0.5, (c, 1)) + rng.normal(0, 0.45, (c, n_areas))
    leniency = rng.normal(0, design.severity_sd, r)
    slope = rng.uniform(*design.slope_range, r)
    k = design.raters_per_candidate
    group_of_candidate = rng.integers(0, 2, c)
    half = r // 2
    panels = np.empty((c, k), dtype=np.int64)
    for candidate in range(c):
        if design.groups == "mixed":
            panels[candidate] = rng.choice(r, k, replace=False)
        else:
            own = np.arange(half) if group_of_candidate[candidate] == 0 else np.arange(half, r)
            panels[candidate] = rng.choice(own, k, replace=False)
            if design.groups == "bridged" and rng.random() < BRIDGE_SHARE:
                other = np.arange(half, r) if group_of_candidate[candidate] == 0 else np.arange(half)
                panels[candidate, -1] = rng.choice(other)
    assessed = rng.random((c, n_areas)) >= design.missing_share
    assessed[np.arange(c), rng.integers(0, n_areas, c)] = True  # every candidate is seen somewhere
    cand, slot, area = np.nonzero(np.broadcast_to(assessed[:, None, :], (c, k, n_areas)))
    rater = panels[cand, slot]
    centre = mu[area]
    latent = centre + slope[rater] * (truth[cand, area] - centre) + leniency[rater]
    latent += rng.normal(0, design.noise_sd, len(latent))
    level = np.clip(np.rint(latent), 1, 5)
    ratings = engine.Ratings.from_arrays(
        cand, area, rater, level, n_candidates=c, n_areas=n_areas, n_raters=r
    )
    return truth, leniency, ratings


def _renormalised_fit(levels, se, counts, profiles: engine.Profiles, role: int):
    """The role formula on point estimates over the assessed areas, with an independent-areas interval."""
    weight = profiles.weight[role]
    assessed = counts > 0
    used = np.where(assessed, weight[None], 0.0)
    credit = engine.credit(np.where(assessed, levels, 1.0), profiles)[:, role, :]
    total = used.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = 100 * (used * credit).sum(axis=1) / total
        span = np.maximum(profiles.expected[role] - 1, 1)[None]
        slope = np.where(levels <= profiles.expected[role][None], engine.EXPECTED_CREDIT / span, 0.2 / 4)
        sd = 100 * np.sqrt(np.nansum((used * slope * se) ** 2, axis=1)) / total
    below = (assessed & (levels < profiles.minimum[role][None])).any(axis=1)
    f = np.where(below, f * engine.GATE_FACTOR, f)
    sd = np.where(below, sd * engine.GATE_FACTOR, sd)
    return f, f - engine.Z80 * sd, f + engine.Z80 * sd


def _cell_means(ratings: engine.Ratings, values: np.ndarray):
    size = ratings.n_candidates * ratings.n_areas
    counts = np.bincount(ratings.cell, minlength=size)
    sums = np.bincount(ratings.cell, weights=values, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
    residual = values - mean[ratings.cell]
    dof = max(len(values) - int((counts > 0).sum()), 1)
    sd = np.sqrt(np.sum(residual**2) / dof)
    with np.errstate(divide="ignore"):
        se = sd / np.sqrt(counts)
    shape = (ratings.n_candidates, ratings.n_areas)
    return mean.reshape(shape), se.reshape(shape), counts.reshape(shape)


def score_methods(truth, leniency, ratings: engine.Ratings, profiles: engine.Profiles, role: int):
    """(fit, lower, upper) per method for the opening's role."""
    calibration = engine.calibrate(ratings)
    _, fit = engine.fit_scores(ratings, calibration, profiles)
    methods = {"engine": (fit.fit[:, role], fit.lower[:, role], fit.upper[:, role])}
    mean, se, counts = _cell_means(ratings, ratings.level)
    methods["mean"] = _renormalised_fit(mean, se, counts, profiles, role)
    mean, se, counts = _cell_means(ratings, ratings.level - leniency[ratings.rater])
    methods["oracle"] = _renormalised_fit(mean, se, counts, profiles, role)
    return methods


def _precision_at(estimate, true_fit, k=10):
    top_estimate = set(np.argsort(-np.nan_to_num(estimate, nan=-1), kind="stable")[:k].tolist())
    top_truth = set(np.argsort(-true_fit, kind="stable")[:k].tolist())
    return len(top_estimate & top_truth) / k


def evaluate(design: Design, seeds: range, profiles: engine.Profiles, role: int) -> dict:
    figures: dict[str, dict[str, list[float]]] = {}
    for seed in seeds:
        truth, leniency, ratings = simulate(design, seed, profiles.weight.shape[1])
        true_fit = engine.formula(truth, profiles)[:, role]
        for method, (fit, lower, upper) in score_methods(truth, leniency, ratings, profiles, role).items():
            row = figures.setdefault(method, {"spearman": [], "precision_at_10": [], "coverage": []})
            row["spearman"].append(float(spearmanr(np.nan_to_num(fit, nan=-1), true_fit)[0]))
            row["precision_at_10"].append(_precision_at(fit, true_fit))
            row["coverage"].append(float(np.mean((lower <= true_fit) & (true_fit <= upper))))
    result = {
        method: {name: round(float(np.mean(values)), 3) for name, values in row.items()}
        for method, row in figures.items()
    }
    # The seeds' spread: with 10 interviewers a panel's average leniency is one draw per seed
    # and moves every candidate's interval together, so coverage varies a lot between seeds.
    for method, row in figures.items():
        result[method]["coverage_se"] = round(float(np.std(row["coverage"]) / np.sqrt(len(seeds))), 3)
    return result


TARGETS = {"spearman": 0.85, "precision_at_10": 0.58, "coverage": (0.75, 0.85), "disconnected_gap": 0.03}


def check(result: dict) -> list[str]:
    """Targets missed, as sentences (empty when all are met)."""
    misses = []
    base = result["designs"]["base"]["engine"]
    if base["spearman"] < TARGETS["spearman"]:
        misses.append(f"base Spearman {base['spearman']} < {TARGETS['spearman']}")
    if base["precision_at_10"] < TARGETS["precision_at_10"]:
        misses.append(f"base precision@10 {base['precision_at_10']} < {TARGETS['precision_at_10']}")
    gap = base["spearman"] - result["designs"]["disconnected"]["engine"]["spearman"]
    if gap > TARGETS["disconnected_gap"]:
        misses.append(f"disconnected design {gap:.3f} Spearman below base")
    low, high = TARGETS["coverage"]
    for name, methods in result["designs"].items():
        coverage = methods["engine"]["coverage"]
        if not low <= coverage <= high:
            misses.append(f"{name}: coverage {coverage} outside {low}-{high}")
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--design", action="append", help="only these designs (repeatable)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    profiles = role_profiles()
    role = profiles.roles.index(ROLE)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    designs = [d for d in DESIGNS if not args.design or d.name in args.design]
    result = {
        "designs": {design.name: evaluate(design, seeds, profiles, role) for design in designs},
        "seeds": args.seeds,
        "role": ROLE,
    }
    print(json.dumps(result))
    if args.check and not args.design:
        misses = check(result)
        for miss in misses:
            print(miss, file=sys.stderr)
        return 1 if misses else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
