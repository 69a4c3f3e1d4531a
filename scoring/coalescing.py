"""Applications waiting for their recompute, so that one run of the task takes all of them.

Every scorecard submitted or amended sends one ``scoring.application_scores_recompute``
message. Just before it leaves, its application id goes into a Redis set
(``pending_add``, from the task's ``apply_async``). A run of the task claims its
own id and up to ``RECOMPUTE_BATCH`` in all from the set (``claim``) and recomputes
them together (``services.applications_recompute``); a later message whose id an
earlier run claimed finds nothing to claim and does nothing. When the worker keeps
up, each run finds its own id alone; behind a backlog, one run clears many, for
little more than the cost of one.

Nothing is lost:

* an id is added after its scorecard commits, so the run that claims it reads the
  ratings after that commit; a scorecard committed after the claim adds the id
  again, for the next run;
* a run's claims are kept under its task id until it has finished (``release``):
  redelivered after its worker died, or retried after a database error, the same
  task id takes them again;
* a message whose id is in neither set (Redis lost it, or a run that claimed it
  failed for good) does nothing, and the stale sweep (beat, every few minutes)
  recomputes the application, as it does after a lost message.

The set lives on the broker's Redis, beside the messages. Keys carry the
database's name, so servers (and test runs) sharing one Redis never
take each other's ids. Not used with tasks in-process (no Redis): each recompute
then runs in its caller, alone.
"""

from __future__ import annotations

import functools

import redis
from celery import current_app
from django.db import connection

from scoring.services import RECOMPUTE_BATCH

# Kept long after any run could be redelivered (the broker's visibility timeout, an hour by default).
CLAIMS_TTL_SECONDS = 6 * 60 * 60

# KEYS: the pending set, this run's claims. ARGV: the run's own id, the most ids a run takes, the TTL.
# Atomic, so an id is claimed by one run only; a redelivered run keeps what it claimed before.
_CLAIM_SCRIPT = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('SADD', KEYS[2], ARGV[1])
end
local room = tonumber(ARGV[2]) - redis.call('SCARD', KEYS[2])
if room > 0 then
  for _, id in ipairs(redis.call('SPOP', KEYS[1], room)) do
    redis.call('SADD', KEYS[2], id)
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
return redis.call('SMEMBERS', KEYS[2])
"""


def _client() -> redis.Redis:
    # The broker's Redis, so the ids sit where their messages go: one client (and connection
    # pool) per broker address and process, shared by its threads.
    return _client_for(current_app.conf.broker_url)


@functools.cache
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def _claim_script():
    return _client().register_script(_CLAIM_SCRIPT)


def _key(*parts: str) -> str:
    return ":".join(("scoring", "recompute", str(connection.settings_dict["NAME"]), *parts))


def pending_add(application_id: int) -> None:
    """Mark the application as waiting for a recompute; call just before sending its message."""
    _client().sadd(_key("pending"), int(application_id))


def claim(*, application_id: int, run_id: str) -> list[int]:
    """The ids this run recomputes: its own unless another run claimed it, and others waiting, sorted."""
    claimed = _claim_script()(
        keys=[_key("pending"), _key("claims", run_id)],
        args=[int(application_id), RECOMPUTE_BATCH, CLAIMS_TTL_SECONDS],
    )
    return sorted(int(value) for value in claimed)


def release(*, run_id: str) -> None:
    """Forget this run's claims: its recompute has committed."""
    _client().delete(_key("claims", run_id))
