"""Recomputes coalesced: applications wait in a set, and one run of the task takes many of them.

Every scorecard submitted or amended asks for its application's recompute
(``scoring.application_scores_recompute``, sent from ``enqueue_on_commit``, fire
and forget). The task's ``apply_async`` calls ``schedule``: the application goes
into a Redis set of waiting ones, and a message is sent only when no run is
scheduled yet, at once when the last run started at least
``SCORES_RECOMPUTE_INTERVAL_MS`` ago (500 by default), else when that interval is
up. The run claims its own application and up to ``RECOMPUTE_BATCH`` in all from
the set (``claim``) and recomputes them together
(``services.applications_recompute``); when more wait, it schedules the next run
at once. So a quiet server recomputes a scorecard's application straight away, and
a busy one (20 scorecards a second) runs twice a second for about ten
applications each, for little more than the cost of one, instead of twenty runs.

Nothing is lost:

* an id is added after its scorecard commits, so the run that claims it reads the
  ratings after that commit; a scorecard committed after the claim adds it again
  and schedules the next run;
* a run's claims are kept under its task id until it has finished (``release``):
  redelivered after its worker died, or retried after a database error, the same
  task id takes them again;
* a scheduled run whose message is lost holds the schedule for
  ``SCHEDULE_MARGIN_MS`` past its start at most; the stale sweep (beat, every few
  minutes) recomputes whatever waited, as it does after any lost message;
* a caller that waits for the result (``.delay(id).get()``) gets a run of its own,
  which takes whatever waits too: only fire-and-forget sends coalesce.

The set lives on the broker's Redis, beside the messages. Keys carry the
database's name, so servers (and test runs) sharing one Redis never take each
other's ids. Not used with tasks in-process (no Redis): each recompute then runs in
its caller, alone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import redis
from celery import current_app
from django.conf import settings
from django.db import connection

from scoring.services import RECOMPUTE_BATCH

# Kept long after any run could be redelivered (the broker's visibility timeout, an hour by default).
CLAIMS_TTL_SECONDS = 6 * 60 * 60
# How long a scheduled run's mark outlives its start time: should its message be lost, the next
# submit after this schedules a new run (and the sweep recomputes what waited meanwhile).
SCHEDULE_MARGIN_MS = 30_000

# KEYS: the pending set, the scheduled run's mark, the last run's start (ms).
# ARGV: the application ('' for none: pick one waiting), the new run's id, the interval (ms), the
# margin (ms), '1' to start at once. Returns {run id, countdown ms, application}: this run's id when
# it is to be sent; an already scheduled run's id and -1 when that run will take the application;
# {'', -1, ''} when nothing waits.
_SCHEDULE_SCRIPT = """
if ARGV[1] ~= '' then
  redis.call('SADD', KEYS[1], ARGV[1])
end
local scheduled = redis.call('GET', KEYS[2])
if scheduled then
  return {scheduled, -1, ARGV[1]}
end
local application = ARGV[1]
if application == '' then
  application = redis.call('SRANDMEMBER', KEYS[1])
  if not application then
    return {'', -1, ''}
  end
end
local wait = 0
if ARGV[5] ~= '1' then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  wait = math.max(0, tonumber(redis.call('GET', KEYS[3]) or '0') + tonumber(ARGV[3]) - now)
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', wait + tonumber(ARGV[4]))
return {ARGV[2], wait, application}
"""

# KEYS: the scheduled run's mark. ARGV: a run's id. Clears the mark if it is that run's.
_UNSCHEDULE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
"""

# KEYS: the pending set, this run's claims, the scheduled run's mark, the last run's start.
# ARGV: the run's own application, its id, the most ids a run takes, the claims' TTL (s).
# Returns {claimed ids, how many still wait}. Atomic, so an id is claimed by one run only; a
# redelivered run keeps what it claimed before.
_CLAIM_SCRIPT = """
if redis.call('GET', KEYS[3]) == ARGV[2] then
  redis.call('DEL', KEYS[3])
end
local time = redis.call('TIME')
redis.call('SET', KEYS[4], tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000), 'EX', 3600)
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
local room = tonumber(ARGV[3]) - redis.call('SCARD', KEYS[2])
if room > 0 then
  for _, id in ipairs(redis.call('SPOP', KEYS[1], room)) do
    redis.call('SADD', KEYS[2], id)
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {redis.call('SMEMBERS', KEYS[2]), redis.call('SCARD', KEYS[1])}
"""


def _client() -> redis.Redis:
    # The broker's Redis, so the ids sit where their messages go: one client (and connection
    # pool) per broker address and process, shared by its threads.
    return _client_for(current_app.conf.broker_url)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def _key(*parts: str) -> str:
    return ":".join(("scoring", "recompute", str(connection.settings_dict["NAME"]), *parts))


@dataclass(frozen=True)
class Schedule:
    """What ``schedule`` decided: send a run (``send``) with ``run_id``, ``application_id`` and
    ``countdown`` seconds, or leave the application to the run already scheduled (``run_id``)."""

    run_id: str
    send: bool
    application_id: int | None = None
    countdown: float = 0.0


def schedule(*, application_id: int | None, run_id: str, immediate: bool = False) -> Schedule | None:
    """Mark the application as waiting and decide whether a run must be sent for it.

    A run is sent when none is scheduled: at once when the last one started at
    least ``SCORES_RECOMPUTE_INTERVAL_MS`` ago (or with ``immediate``), else
    when that interval is up. Without ``application_id``, for the follow-up of a
    run that left some waiting: a waiting one rides in the message, and None
    comes back when nothing waits.
    """
    scheduled, wait_ms, application = _client().register_script(_SCHEDULE_SCRIPT)(
        keys=[_key("pending"), _key("scheduled"), _key("last")],
        args=[
            "" if application_id is None else int(application_id),
            run_id,
            settings.SCORES_RECOMPUTE_INTERVAL_MS,
            SCHEDULE_MARGIN_MS,
            "1" if immediate else "0",
        ],
    )
    if not scheduled:
        return None
    if wait_ms < 0:
        return Schedule(run_id=scheduled.decode(), send=False)
    return Schedule(run_id=run_id, send=True, application_id=int(application), countdown=wait_ms / 1000)


def unschedule(*, run_id: str) -> None:
    """Forget that ``run_id`` is scheduled: its message could not be sent."""
    _client().register_script(_UNSCHEDULE_SCRIPT)(keys=[_key("scheduled")], args=[run_id])


def claim(*, application_id: int, run_id: str) -> tuple[list[int], int]:
    """The ids this run recomputes, sorted (its own and others waiting), and how many still wait."""
    claimed, waiting = _client().register_script(_CLAIM_SCRIPT)(
        keys=[_key("pending"), _key("claims", run_id), _key("scheduled"), _key("last")],
        args=[int(application_id), run_id, RECOMPUTE_BATCH, CLAIMS_TTL_SECONDS],
    )
    return sorted(int(value) for value in claimed), int(waiting)


def release(*, run_id: str) -> None:
    """Forget this run's claims: its recompute has committed."""
    _client().delete(_key("claims", run_id))
