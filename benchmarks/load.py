"""``python -m benchmarks.load``: ATS traffic against gunicorn, PostgreSQL, Redis and Celery (``make load``).

Setup, in a database of its own (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/scorecards_load``, whose name must
contain "load": it is created and migrated when missing, and its hiring,
scorecard, score and integration-log rows are emptied) and a Redis database
of its own (``--redis-url``, default ``redis://127.0.0.1:6379/15``, flushed;
never database 0): the rubrics, one opening with applications whose
interviews have assigned interviewers, some already scored, a ready
shortlist and an integration token with every scope. Then gunicorn
(``config.wsgi``, DEBUG off, plain http on 127.0.0.1, a free port) and a
Celery worker start, and the script waits for ``/healthz``.

The load: ``--clients`` threads, each with its own connection, each
request drawn from this mix (weights in ``MIX``):

* ``PUT /api/v1/candidates/external/loadats/<id>/``: a new candidate, or an
  update of one this client created earlier;
* ``POST /api/v1/interviews/<id>/scorecards/``: a scorecard on behalf of an
  assigned interviewer, each interview/interviewer pair once;
* ``GET /api/v1/applications/<id>/fit-scores/`` and
  ``GET /api/v1/fit-scores/?opening=<id>``;
* ``GET /api/v1/shortlists/<id>/entries/`` and ``GET /api/v1/shortlists/<id>/``.

Phase 1 (steady): a pause of 0.5-1.5 s between a client's requests, for
``--duration`` seconds. Then the checks: every scorecard answered 201 is in
the database with all its ratings, every candidate answered 200/201 holds
the last name and email sent, and within 30 s every application with a
submitted scorecard has a fit for every role computed at or after its newest
scorecard (``fit_lag_s`` is how long that took). Phase 2 (saturation): the
same mix without pauses for ``--saturation`` seconds, the same checks but
waiting for the worker to catch up (up to 120 s), then ``/healthz`` alone
without pauses for as long; the peak of each is the best one-second window.

Prints one JSON line on stdout (progress goes to stderr): phase 1's
``rps``, ``p50_ms``, ``p95_ms``, ``p99_ms`` and ``errors``; ``lost``
(both phases); ``peak_rps`` and ``healthz_peak_rps`` and their ratios,
``peak_ratio`` (``peak_rps / healthz_peak_rps``, 3 places) and
``cost_ratio`` (``healthz_peak_rps / peak_rps``: how many bare requests
one request of the mix costs), null when a peak is 0; ``queries_by_kind``;
and more detail (per-endpoint p95, what the requests cost the servers, the
CPU the load generator and the servers used). Targets: no error, nothing
lost, ``p95_ms`` <= 250 at 50 clients, ``peak_ratio`` >= 1/3 (``cost_ratio``
<= 3), and a median of at most 15 queries for a scorecard submit, 8 for a
candidate upsert and 6 for each read. Exit codes: 0 met, 1 an error, a
loss or (with ``--check``) the p95 target missed, 2 a database or Redis it
must not touch, 3 the servers failed to start; the query and ratio targets
are reported on stderr when missed, not in the exit code.

What a request costs the servers: they run with ``SERVER_TIMING`` on, so
every answer carries a ``Server-Timing`` header (``config.server_timing``)
with the SQL queries Django ran for it and the CPU its web worker's thread
used. ``queries_by_kind`` gives, per kind of the mix over phase 1's
answered requests and for ``healthz`` over its own phase,
``{"median": m, "max": M}`` queries (the lower median: a count some request
had); ``server_cpu_ms_by_kind`` the median web-worker CPU milliseconds,
the same way. A kind with no such request (none drawn, or no header the
script could read) is null. ``server_cpu_ms_per_request`` is the whole
servers' CPU (every gunicorn and Celery process, from /proc) per request,
for each of ``steady``, ``saturation`` and ``healthz``: the web workers'
share plus the fit recomputes the requests set off, including the
worker's catching up after the phase while the checks wait for it.

The load generator is threads on the standard library's ``http.client``: a
request costs it a fraction of a millisecond of CPU, against several for
Django, and the JSON line reports its share (``loadgen_cpu_pct``) so a
run where it competed with the server shows it. ``server_cpu_pct`` is
gunicorn's and Celery's share of the machine's CPU, ``machine_busy_pct``
everything's (PostgreSQL, Redis and other work on the machine included): a
run on a machine busy with something else shows it there.

The servers get the environment's settings, with ``SERVER_TIMING`` on;
``--conn-max-age`` sets ``CONN_MAX_AGE`` for them (left unset: the
environment's, else the setting's default, 60 s; 0 opens a PostgreSQL
connection per request).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from benchmarks.load_dataset import SOURCE
from benchmarks.load_servers import machine_cpu_times
from benchmarks.load_stats import count_summary, peak_rate, percentile, ratio
from config.server_timing import HEADER as SERVER_TIMING_HEADER
from config.server_timing import ServerTiming, server_timing_parse

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/scorecards_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
LOAD_SECRET_KEY = "load-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
TARGET_P95_MS = 250.0
TARGET_PEAK_RATIO = 1 / 3  # peak_rps / healthz_peak_rps: a mixed request costs at most 3 bare ones
# Queries per request (the median over the steady phase), from the servers' Server-Timing header.
TARGET_QUERIES = {
    "candidate_upsert": 8,
    "scorecard_submit": 15,
    "application_fit_scores": 6,
    "fit_scores_list": 6,
    "shortlist_entries": 6,
    "shortlist": 6,
}
FIT_DEADLINE_S = 30.0
SATURATION_FIT_DEADLINE_S = 120.0
PAUSE_S = (0.5, 1.5)
REQUEST_TIMEOUT_S = 30.0
SATURATION_RPS_GUESS = 400  # for sizing the scorecards to submit; running out is reported, not an error
SCORED_APPLICATIONS = 200

# Weights out of 100: what an ATS sync does most, pushing candidates and scorecards and reading scores.
MIX: tuple[tuple[str, int], ...] = (
    ("candidate_upsert", 25),
    ("scorecard_submit", 20),
    ("application_fit_scores", 20),
    ("fit_scores_list", 10),
    ("shortlist_entries", 20),
    ("shortlist", 5),
)
RECOMMENDATIONS = ("strong_no", "no", "yes", "strong_yes")


def say(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load",
        description="Mixed ATS traffic against gunicorn + PostgreSQL + Redis + Celery; one JSON line.",
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="steady phase, seconds (default 60)")
    parser.add_argument(
        "--saturation", type=float, default=20.0, help="each saturation phase (mix, healthz), seconds (20)"
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="unmeasured steady traffic first, seconds (default 5)"
    )
    parser.add_argument(
        "--web-workers", type=int, default=3, help="gunicorn worker processes (default 3, as in production)"
    )
    parser.add_argument(
        "--web-threads", type=int, default=8, help="threads per gunicorn worker (default 8, as in production)"
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="CONN_MAX_AGE for the servers (default: the environment's, else the setting's default 60)",
    )
    parser.add_argument("--task-workers", type=int, default=2, help="Celery worker processes (default 2)")
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"Redis db to flush and use ({DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--seed", type=int, default=8, help="random seed of the dataset and the clients")
    parser.add_argument("--check", action="store_true", help="also exit 1 when p95_ms misses its target")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.saturation <= 0 or args.warmup < 0:
        parser.error("--clients must be 1 or more, --duration and --saturation above 0, --warmup 0 or more")
    if args.web_workers < 1 or args.web_threads < 1 or args.task_workers < 1:
        parser.error("--web-workers, --web-threads and --task-workers must be 1 or more")
    return args


# Setup -------------------------------------------------------------------------------


def configure(redis_url: str) -> str | None:
    """Point Django at the load database and Redis; return a problem line, or None when usable."""
    path = urlsplit(redis_url).path.strip("/")
    if not urlsplit(redis_url).scheme.startswith("redis") or path in ("", "0"):
        return (
            f"benchmarks.load flushes its Redis database; refusing {redis_url!r}"
            " (name a database other than 0, e.g. redis://127.0.0.1:6379/15)."
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SECRET_KEY", LOAD_SECRET_KEY)
    os.environ["REDIS_URL"] = redis_url  # this process enqueues to the worker's broker too
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"benchmarks.load needs PostgreSQL; DATABASE_URL points at {connection.vendor}."
    name = connection.settings_dict["NAME"] or ""
    if "load" not in name:
        return (
            f"benchmarks.load empties tables in its database; refusing database {name!r}"
            " (its name must contain 'load', e.g. scorecards_load)."
        )
    return None


def redis_flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def worker_ping() -> bool:
    from config.celery import app

    return bool(app.control.ping(timeout=1.0))


# The load ---------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    finished: float  # time.perf_counter() when the answer was read
    latency_ms: float
    ok: bool
    timing: ServerTiming | None = None  # the answer's Server-Timing header; None if missing or malformed


@dataclass
class Shared:
    """What the clients share: the dataset, the scorecard pairs not yet sent, and what the server accepted."""

    dataset: object
    pairs: list
    lock: threading.Lock = field(default_factory=threading.Lock)
    scorecards_sent: dict[tuple[int, int], int] = field(default_factory=dict)  # pair -> ratings
    candidates_sent: dict[str, tuple[str, str]] = field(default_factory=dict)  # external id -> name, email
    pairs_exhausted: int = 0
    error_samples: list[str] = field(default_factory=list)

    def next_pair(self):
        with self.lock:
            if self.pairs:
                return self.pairs.pop()
            self.pairs_exhausted += 1
            return None

    def error(self, line: str) -> None:
        with self.lock:
            if len(self.error_samples) < 10:
                self.error_samples.append(line)


class Client:
    """One ATS connection: draws requests from the mix and records every outcome."""

    def __init__(self, *, number: int, base_url: str, shared: Shared, seed: int) -> None:
        address = urlsplit(base_url)
        self.number = number
        self.connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=REQUEST_TIMEOUT_S
        )
        self.shared = shared
        self.rng = random.Random(seed * 1000 + number)  # noqa: S311 - reproducible traffic, not secrets
        self.headers = {
            "Authorization": f"Bearer {shared.dataset.token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        # This client's candidates: only it updates them, so "the last name sent" is well defined.
        self.created: list[str] = []
        self.counter = 0
        self.outcomes: list[Outcome] = []
        kinds, weights = zip(*MIX, strict=True)
        self.kinds, self.weights = list(kinds), list(weights)

    def run(self, *, until: float, pause: tuple[float, float] | None, only: str | None = None) -> None:
        while time.perf_counter() < until:
            self.once(only or self.rng.choices(self.kinds, self.weights)[0])
            if pause is not None:
                time.sleep(self.rng.uniform(*pause))
        self.connection.close()

    def once(self, kind: str) -> None:
        """Send one request of ``kind``; an unexpected status, a timeout or a lost connection is an error."""
        pair = self.shared.next_pair() if kind == "scorecard_submit" else None
        if kind == "scorecard_submit" and pair is None:
            # Every pair sent: a read instead, counted as one (and in pairs_exhausted), so a kind's
            # figures are always of its own requests.
            kind = "application_fit_scores"
        method, path, body, expected, on_success = (
            self._scorecard_submit(pair) if pair is not None else getattr(self, f"_{kind}")()
        )
        started = time.perf_counter()
        try:
            payload = None if body is None else json.dumps(body)
            self.connection.request(method, path, body=payload, headers=self.headers)
            answer = self.connection.getresponse()
            content = answer.read()
            timing = server_timing_parse(answer.getheader(SERVER_TIMING_HEADER))
            ok = answer.status in expected
            if not ok:
                self.shared.error(f"{method} {path} -> {answer.status} {content[:300]!r}")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            ok, timing = False, None
            self.shared.error(f"{method} {path} -> {type(error).__name__}: {error}")
        finished = time.perf_counter()
        self.outcomes.append(Outcome(kind, finished, (finished - started) * 1000, ok, timing))
        if ok and on_success is not None:
            on_success()

    def _candidate_upsert(self):
        self.counter += 1
        update = bool(self.created) and self.rng.random() < 0.5
        external_id = self.rng.choice(self.created) if update else f"c{self.number}-{self.counter}"
        name = f"Load Candidate {external_id} v{self.counter}"
        email = f"{external_id}.v{self.counter}@example.com"

        def accepted() -> None:
            if not update:
                self.created.append(external_id)
            self.shared.candidates_sent[external_id] = (name, email)

        path = f"/api/v1/candidates/external/{SOURCE}/{external_id}/"
        return "PUT", path, {"name": name, "email": email}, {200 if update else 201}, accepted

    def _scorecard_submit(self, pair):
        body = {
            "interviewer": {"email": pair.interviewer_email},
            "recommendation": self.rng.choice(RECOMMENDATIONS),
            "summary": "Submitted by the load test.",
            "ratings": {
                key: {"level": self.rng.randint(1, 5), "evidence": f"Load evidence for {key}."}
                for key in pair.area_keys
            },
        }

        def accepted() -> None:
            self.shared.scorecards_sent[(pair.interview_id, pair.interviewer_id)] = len(pair.area_keys)

        return "POST", f"/api/v1/interviews/{pair.interview_id}/scorecards/", body, {201}, accepted

    def _application_fit_scores(self):
        application_id = self.rng.choice(self.shared.dataset.application_ids)
        return "GET", f"/api/v1/applications/{application_id}/fit-scores/", None, {200}, None

    def _fit_scores_list(self):
        return "GET", f"/api/v1/fit-scores/?opening={self.shared.dataset.opening_id}", None, {200}, None

    def _shortlist_entries(self):
        return "GET", f"/api/v1/shortlists/{self.shared.dataset.shortlist_id}/entries/", None, {200}, None

    def _shortlist(self):
        return "GET", f"/api/v1/shortlists/{self.shared.dataset.shortlist_id}/", None, {200}, None

    def _healthz(self):
        return "GET", "/healthz", None, {200}, None


@dataclass
class Phase:
    name: str
    seconds: float
    outcomes: list[Outcome]
    loadgen_cpu_s: float
    server_cpu_s: float
    machine_busy_pct: float  # everything on the machine: the servers, PostgreSQL, Redis, and anyone else
    catch_up_cpu_s: float = 0.0  # the servers' CPU after the phase, while the worker caught up

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        """gunicorn's and Celery's CPU for the phase and its catch-up, per request of the phase."""
        if not self.outcomes:
            return None
        return round(1000 * (self.server_cpu_s + self.catch_up_cpu_s) / len(self.outcomes), 2)

    @property
    def latencies(self) -> list[float]:
        return [outcome.latency_ms for outcome in self.outcomes]

    @property
    def errors(self) -> int:
        return sum(not outcome.ok for outcome in self.outcomes)


def phase_run(
    *,
    name: str,
    clients: list[Client],
    seconds: float,
    pause: tuple[float, float] | None,
    server_cpu: Callable[[], float],
    only: str | None = None,
) -> Phase:
    """Run every client in its own thread for ``seconds``; requests started before the end are counted."""
    for client in clients:
        client.outcomes = []
    say(f"{name}: {len(clients)} clients for {seconds:g} s, {'with' if pause else 'without'} pauses")
    cpu_before, server_before, machine_before = time.process_time(), server_cpu(), machine_cpu_times()
    until = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=client.run, kwargs={"until": until, "pause": pause, "only": only}, daemon=True
        )
        for client in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = [outcome for client in clients for outcome in client.outcomes]
    phase = Phase(
        name=name,
        seconds=seconds,
        outcomes=outcomes,
        loadgen_cpu_s=time.process_time() - cpu_before,
        server_cpu_s=server_cpu() - server_before,
        machine_busy_pct=busy_pct(machine_before, machine_cpu_times()),
    )
    say(
        f"{name}: {len(outcomes)} requests, {phase.errors} errors,"
        f" peak {peak_rate([outcome.finished for outcome in outcomes])} req/s;"
        f" CPU: load generator {phase.loadgen_cpu_s:.1f} s, gunicorn + Celery {phase.server_cpu_s:.1f} s,"
        f" whole machine {phase.machine_busy_pct:.0f}% busy"
    )
    return phase


def losses_check(shared: Shared, *, deadline_s: float) -> tuple[dict[str, int], float]:
    """Count what the database lacks of what was accepted, waiting up to ``deadline_s`` for fresh fits."""
    from benchmarks.load_dataset import candidates_missing, scorecards_missing, stale_applications

    scorecards = scorecards_missing(shared.scorecards_sent)
    candidates = candidates_missing(shared.candidates_sent)
    started = time.perf_counter()
    stale = stale_applications(shared.dataset)
    while stale and time.perf_counter() - started < deadline_s:
        time.sleep(0.25)
        stale = stale_applications(shared.dataset)
    lag = time.perf_counter() - started
    for label, missing in (("scorecards", scorecards), ("candidates", candidates), ("stale fits", stale)):
        if missing:
            say(f"LOST {label}: {len(missing)}, e.g. {missing[:5]}")
    losses = {"scorecards": len(scorecards), "candidates": len(candidates), "stale_fits": len(stale)}
    return losses, lag


def by_kind_p95(phase: Phase) -> dict[str, float]:
    grouped: dict[str, list[float]] = defaultdict(list)
    for outcome in phase.outcomes:
        grouped[outcome.kind].append(outcome.latency_ms)
    return {kind: round(percentile(values, 95), 1) for kind, values in sorted(grouped.items())}


def timings_by_kind(
    outcomes: Sequence[Outcome], kinds: Sequence[str]
) -> tuple[dict[str, dict[str, int] | None], dict[str, float | None]]:
    """Per kind, over its answered requests with a readable Server-Timing header: queries and web CPU.

    The first dict holds ``count_summary`` of the queries (median and max),
    the second the median CPU milliseconds of the web worker's thread. A kind
    with no such request (none sent, or no header the parser reads) is None.
    """
    queries: dict[str, list[int]] = defaultdict(list)
    cpu_ms: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.ok and outcome.timing is not None:
            queries[outcome.kind].append(outcome.timing.queries)
            cpu_ms[outcome.kind].append(outcome.timing.cpu_ms)
    return (
        {kind: count_summary(queries[kind]) for kind in kinds},
        {kind: round(percentile(cpu_ms[kind], 50), 2) if cpu_ms[kind] else None for kind in kinds},
    )


def targets_missed(figures: dict) -> list[str]:
    """The query and peak-ratio targets the figures miss, one line each (reported, not an exit code)."""
    missed = []
    for kind, limit in TARGET_QUERIES.items():
        summary = figures["queries_by_kind"].get(kind)
        if summary is not None and summary["median"] > limit:
            missed.append(f"{kind}: {summary['median']} queries > {limit}")
    if figures["peak_ratio"] is not None and figures["peak_ratio"] < round(TARGET_PEAK_RATIO, 3):
        missed.append(f"peak_ratio = {figures['peak_ratio']} < 1/3 (cost_ratio {figures['cost_ratio']} > 3)")
    return missed


def busy_pct(before: tuple[float, float], after: tuple[float, float]) -> float:
    total = after[1] - before[1]
    return round(100 * (after[0] - before[0]) / total, 1) if total > 0 else 0.0


def cpu_pct(seconds: float, wall: float) -> float:
    return round(100 * seconds / (wall * (os.cpu_count() or 1)), 1)


def figures_of(
    steady: Phase, saturation: Phase, healthz: Phase, losses: dict[str, int], fit_lag_s: float, shared: Shared
) -> dict:
    latencies = steady.latencies or [0.0]
    phases = (steady, saturation, healthz)
    peak_rps = peak_rate([outcome.finished for outcome in saturation.outcomes])
    healthz_peak_rps = peak_rate([outcome.finished for outcome in healthz.outcomes])
    queries, cpu_ms = timings_by_kind(steady.outcomes, [kind for kind, _ in MIX])
    healthz_queries, healthz_cpu_ms = timings_by_kind(healthz.outcomes, ["healthz"])
    return {
        "rps": round(len(steady.outcomes) / steady.seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "errors": steady.errors,
        "lost": sum(losses.values()),
        "peak_rps": peak_rps,
        "healthz_peak_rps": healthz_peak_rps,
        "peak_ratio": ratio(peak_rps, healthz_peak_rps, places=3),
        "cost_ratio": ratio(healthz_peak_rps, peak_rps, places=2),
        "queries_by_kind": {**queries, **healthz_queries},
        "requests": len(steady.outcomes),
        "max_ms": round(max(latencies), 1),
        "p95_ms_by_kind": by_kind_p95(steady) if steady.outcomes else {},
        "fit_lag_s": round(fit_lag_s, 2),
        "saturation_rps": round(len(saturation.outcomes) / saturation.seconds, 1),
        "saturation_p95_ms": round(percentile(saturation.latencies or [0.0], 95), 1),
        "saturation_errors": saturation.errors,
        "healthz_errors": healthz.errors,
        "lost_by_kind": losses,
        "scorecards_submitted": len(shared.scorecards_sent),
        "candidates_upserted": len(shared.candidates_sent),
        "scorecard_pairs_exhausted": shared.pairs_exhausted,
        "loadgen_cpu_pct": {phase.name: cpu_pct(phase.loadgen_cpu_s, phase.seconds) for phase in phases},
        "server_cpu_pct": {phase.name: cpu_pct(phase.server_cpu_s, phase.seconds) for phase in phases},
        "server_cpu_ms_per_request": {phase.name: phase.server_cpu_ms_per_request for phase in phases},
        "server_cpu_ms_by_kind": {**cpu_ms, **healthz_cpu_ms},
        "machine_busy_pct": {phase.name: phase.machine_busy_pct for phase in phases},
    }


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the servers too, as Ctrl-C does
    problem = configure(args.redis_url)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from django.db import connection

    from benchmarks.load_dataset import PAIRS_PER_APPLICATION, dataset_build
    from benchmarks.load_servers import cpu_seconds, server_environment, servers_running
    from benchmarks.recompute import database_ensure, schema_ensure

    database_ensure()
    schema_ensure()
    redis_flush(args.redis_url)

    mix = dict(MIX)
    share = mix["scorecard_submit"] / sum(mix.values())
    steady_seconds = args.warmup + args.duration
    expected = args.clients / sum(PAUSE_S) * 2 * steady_seconds + SATURATION_RPS_GUESS * args.saturation
    pending = max(int(expected * share * 1.3 / PAIRS_PER_APPLICATION) + 1, 10)
    scored = min(SCORED_APPLICATIONS, pending)
    started = time.perf_counter()
    dataset = dataset_build(pending_applications=pending, scored_applications=scored, seed=args.seed)
    say(
        f"dataset in {time.perf_counter() - started:.1f} s: {pending + scored} applications,"
        f" {len(dataset.pairs)} scorecards to submit, opening {dataset.opening_id}"
    )
    redis_flush(args.redis_url)  # the build ran every task in-process; the worker starts from nothing
    connection.close()

    environment = server_environment(
        database_url=os.environ["DATABASE_URL"], redis_url=args.redis_url, secret_key=os.environ["SECRET_KEY"]
    )
    if args.conn_max_age is not None:
        environment["CONN_MAX_AGE"] = str(args.conn_max_age)
    shared = Shared(dataset=dataset, pairs=list(dataset.pairs))
    with servers_running(
        environment=environment,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        task_workers=args.task_workers,
    ) as servers:
        try:
            servers.wait_ready(worker_ping=worker_ping)
        except RuntimeError as error:
            say(f"servers failed to start: {error}\n{servers.log_tails()}")
            return 3
        say(
            f"gunicorn ({args.web_workers} workers x {args.web_threads} threads) on {servers.base_url},"
            " Celery worker ready"
        )

        def server_cpu() -> float:
            return cpu_seconds(servers.pids())

        clients = [
            Client(number=number, base_url=servers.base_url, shared=shared, seed=args.seed)
            for number in range(1, args.clients + 1)
        ]
        if args.warmup > 0:  # every web process imports and connects on its first requests
            phase_run(
                name="warm-up", clients=clients, seconds=args.warmup, pause=PAUSE_S, server_cpu=server_cpu
            )
        steady = phase_run(
            name="steady", clients=clients, seconds=args.duration, pause=PAUSE_S, server_cpu=server_cpu
        )
        caught_up_from = server_cpu()
        losses, fit_lag_s = losses_check(shared, deadline_s=FIT_DEADLINE_S)
        steady.catch_up_cpu_s = server_cpu() - caught_up_from
        say(f"steady: checked the database; fits fresh after {fit_lag_s:.1f} s")
        saturation = phase_run(
            name="saturation", clients=clients, seconds=args.saturation, pause=None, server_cpu=server_cpu
        )
        # The worker catches up before /healthz runs alone; what it never catches up on is lost.
        caught_up_from = server_cpu()
        saturation_losses, saturation_lag = losses_check(shared, deadline_s=SATURATION_FIT_DEADLINE_S)
        saturation.catch_up_cpu_s = server_cpu() - caught_up_from
        say(f"saturation: checked the database; fits fresh after {saturation_lag:.1f} s")
        healthz = phase_run(
            name="healthz",
            clients=clients,
            seconds=args.saturation,
            pause=None,
            server_cpu=server_cpu,
            only="healthz",
        )
        if shared.error_samples:
            say("first errors:\n  " + "\n  ".join(shared.error_samples) + "\n" + servers.log_tails())

    # Scorecards and candidates: the second check counts everything sent; stale fits: either deadline.
    losses = {**saturation_losses, "stale_fits": losses["stale_fits"] + saturation_losses["stale_fits"]}
    figures = figures_of(steady, saturation, healthz, losses, fit_lag_s, shared)
    figures["saturation_fit_lag_s"] = round(saturation_lag, 2)
    print(json.dumps(figures), flush=True)
    failed = figures["errors"] + figures["saturation_errors"] + figures["healthz_errors"] + figures["lost"]
    if figures["p95_ms"] > TARGET_P95_MS:
        say(f"target missed: p95_ms = {figures['p95_ms']} > {TARGET_P95_MS:g}")
    for line in targets_missed(figures):
        say(f"target missed: {line}")
    return 1 if failed or (args.check and figures["p95_ms"] > TARGET_P95_MS) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers were stopped on the way out
        say("interrupted")
        sys.exit(130)
