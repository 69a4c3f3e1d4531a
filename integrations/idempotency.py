"""``Idempotency-Key`` on POST: the same key and body replay the stored response; another body gets 422.

The record is claimed before the view runs (unique per sender and key), so
two concurrent requests with one key cannot both act: the second gets 409
``idempotency_in_progress``. Responses below 500 are stored (429s are not:
they say "try again"); a 5xx or a crash frees the key for a retry. A claim
older than ``STALE_CLAIM`` whose request never finished is taken over.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from config.errors import ApplicationError
from integrations.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Printable ASCII, no space at either end: what a header carries intact through every proxy (a
# UUID, a hash, "order-42 retry"). The schema states it as the parameter's pattern.
KEY_PATTERN = r"^[\x21-\x7E]([\x20-\x7E]*[\x21-\x7E])?$"
STALE_CLAIM = timedelta(minutes=2)
REPLAYED_HEADER = "Idempotent-Replayed"


def owner_of(request) -> str:
    token = getattr(request.user, "token", None)
    return f"token:{token.pk}" if token is not None else f"user:{request.user.pk}"


def body_hash(request) -> str:
    try:
        canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        canonical = request.body.decode("utf-8", "replace")
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def record_claim(request, key: str) -> tuple[IdempotencyRecord, bool]:
    """Claim ``key`` for this request; returns (record, replay) where replay means "send the stored response".

    Raises ApplicationError 422 ``idempotency_key_reused`` when the key came
    with another body, 409 ``idempotency_in_progress`` while the first request runs.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApplicationError(
            "invalid_idempotency_key",
            f"The {HEADER} header must be 1-{MAX_KEY_LENGTH} characters.",
            field=HEADER,
        )
    owner, digest = owner_of(request), body_hash(request)
    record = IdempotencyRecord(
        owner=owner,
        key=key,
        method=request.method,
        path=request.path[:500],
        body_hash=digest,
        response_headers={},
        created_at=timezone.now(),
    )
    if _insert_unless_taken(record):
        return record, False
    record = IdempotencyRecord.objects.get(owner=owner, key=key)
    if record.body_hash != digest:
        raise ApplicationError(
            "idempotency_key_reused",
            f"This {HEADER} was used with a different request; use a new key for a new request.",
            status_code=422,
        )
    if record.status_code is not None:
        return record, True
    claimed = IdempotencyRecord.objects.filter(
        pk=record.pk, status_code__isnull=True, created_at__lt=timezone.now() - STALE_CLAIM
    ).update(created_at=timezone.now())
    if not claimed:
        raise ApplicationError(
            "idempotency_in_progress",
            f"A request with this {HEADER} is still being processed; retry shortly.",
            status_code=409,
        )
    record.refresh_from_db()
    return record, False


def _insert_unless_taken(record: IdempotencyRecord) -> bool:
    """Insert the claim in one statement unless its (owner, key) is taken; True when it was inserted.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite 3.35+): a taken key is no
    error, so no savepoint is needed to survive one, and the claim costs one round trip.
    """
    meta = IdempotencyRecord._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    unique = next(c for c in meta.constraints if c.name == "idempotency_key_unique_per_owner")
    # Identifiers from the model's own metadata, quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({', '.join(quote(meta.get_field(name).column) for name in unique.fields)}) DO NOTHING"
        f" RETURNING {quote(meta.pk.column)}"
    )
    values = [field.get_db_prep_save(getattr(record, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    record.pk = inserted[0]
    record._state.adding = False
    return True


def record_finish(record: IdempotencyRecord, response) -> None:
    """Store the response for replays, or free the key when the request should be retried."""
    if response.status_code >= 500 or response.status_code == 429:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    headers = {name: response[name] for name in ("Location",) if response.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code,
        response_body=getattr(response, "data", None),
        response_headers=headers,
    )


def records_purge(*, older_than: timedelta) -> int:
    """Delete records older than ``older_than``: their keys may be reused from then on."""
    return IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()[0]
