"""Erasing a person from free text: the matching rule, a redactor for any table, and the platform's tables.

``hiring.services.candidate_erase`` overwrites the candidate's own record;
their name and email also sit in free text written by people and systems
(scorecard summaries, evidence, decision rationales, ATS imports) and in what
the platform stored about those writes (event payloads, stored API answers,
audit details, Django's admin log). Each app redacts its own tables with
``rows_redact``, inside the erasure's one transaction.

The rule, each match replaced by ``MARKER`` and matched in any letter case:

* the **email**, anywhere in a text;
* the **full name** (any run of whitespace between its words), as whole words;
* each **word of the name** of at least ``MIN_NAME_PART`` letters ("Ada",
  "Lovelace"), as a whole word, but only in records *about* the person: those
  that belong to the candidate (their scorecards, decisions, the events and
  stored answers carrying their id) and those mentioning their full name or
  email. Elsewhere "Ada" is as likely someone else; and shorter words ("Li",
  "Jo") are left alone because they would mangle ordinary text.

Numbers, ids and keys are never touched, so the anonymous ratings and scores stay.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.functions import Cast

from integrations.models import AuditEvent, Event, IdempotencyRecord

MARKER = "[erased]"
MIN_NAME_PART = 3


def _words(text: str) -> list[str]:
    # Letters and digits with inner apostrophes ("O'Neil"); hyphens and dots separate words.
    return re.findall(r"\w[\w'\u2019]*", text)


def _whole(pattern: str) -> str:
    return rf"(?<!\w){pattern}(?!\w)"


@dataclass(frozen=True)
class PersonalData:
    """Who is being erased: the candidate's id, and their name and email as they were."""

    candidate_id: int
    name: str
    email: str

    @cached_property
    def _full_name(self) -> str:
        words = _words(self.name)
        return _whole(r"[\s.,-]+".join(re.escape(word) for word in words)) if words else ""

    @cached_property
    def _mention(self) -> re.Pattern | None:
        alternatives = [re.escape(self.email.strip())] if self.email.strip() else []
        if len(self.name.strip()) >= MIN_NAME_PART and self._full_name:
            alternatives.append(self._full_name)
        return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    @cached_property
    def _everything(self) -> re.Pattern | None:
        alternatives = [re.escape(self.email.strip())] if self.email.strip() else []
        if self._full_name:
            alternatives.append(self._full_name)
        parts = {word for word in _words(self.name) if len(word) >= MIN_NAME_PART}
        # Longest first, so the email and the full name win over the words inside them.
        alternatives += [_whole(re.escape(word)) for word in sorted(parts, key=len, reverse=True)]
        return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    @property
    def search_terms(self) -> list[str]:
        """Substrings every text that mentions the person contains (for a database pre-filter)."""
        words = sorted(_words(self.name), key=len, reverse=True)
        return [term for term in (self.email.strip(), words[0] if words else "") if term]

    def mentioned_in(self, value) -> bool:
        """Whether ``value`` (text or JSON) holds the email or the full name."""
        return self._mention is not None and any(self._mention.search(text) for text in _strings(value))

    def redact(self, value):
        """``value`` (text or JSON) with the email, the full name and the name's words replaced by MARKER."""
        if self._everything is None:
            return value
        if isinstance(value, str):
            return self._everything.sub(MARKER, value)
        if isinstance(value, list):
            return [self.redact(item) for item in value]
        if isinstance(value, dict):
            return {self.redact(key): self.redact(item) for key, item in value.items()}
        return value


def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _json_text(text: str):
    # Django's admin log keeps its change message as JSON in a text column, non-ASCII as \u escapes.
    try:
        return json.loads(text) if text[:1] in "[{" else text
    except ValueError:
        return text


def rows_redact(
    queryset: QuerySet,
    *,
    personal: PersonalData,
    text: Sequence[str] = (),
    json_fields: Sequence[str] = (),
    json_text: Sequence[str] = (),
    linked: Q | None = None,
    mentions: bool = True,
    touch: dict | None = None,
) -> int:
    """Redact the rows of ``queryset`` that are about the person; returns how many rows changed.

    ``text`` are text columns, ``json_fields`` JSON columns, ``json_text`` text
    columns holding JSON. ``linked`` selects the rows that belong to the
    candidate (redacted whatever they say); with ``mentions``, the other rows
    are redacted when they hold the full name or the email. ``touch`` is
    written too on each changed row (e.g. a new ``updated_at``). Rows are
    locked while read; call it inside the erasure's transaction.
    """
    model = queryset.model
    fields = [*text, *json_fields, *json_text]
    linked_ids = set(queryset.filter(linked).values_list("pk", flat=True)) if linked is not None else set()
    condition = Q(pk__in=linked_ids)
    if mentions:
        for name in fields:
            column = name if name not in json_fields else f"{name}_erasure_text"
            for term in personal.search_terms:
                condition |= Q(**{f"{column}__icontains": term})
        queryset = queryset.annotate(
            **{f"{name}_erasure_text": Cast(name, TextField()) for name in json_fields}
        )
    changed = 0
    for row in queryset.filter(condition).select_for_update().values("pk", *fields):
        values = {name: (_json_text(row[name]) if name in json_text else row[name]) for name in fields}
        if row["pk"] not in linked_ids and not any(personal.mentioned_in(v) for v in values.values()):
            continue
        changes = {}
        for name, value in values.items():
            redacted = personal.redact(value)
            if redacted != value:
                dump = name in json_text and not isinstance(redacted, str)
                changes[name] = json.dumps(redacted) if dump else redacted
        if changes:
            model._default_manager.filter(pk=row["pk"]).update(**changes, **(touch or {}))
            changed += 1
    return changed


def _carries_candidate(value, candidate_id: int) -> bool:
    # Resources name their candidate by id ({"candidate": 42}), at the top or nested (an import's scorecard).
    if isinstance(value, dict):
        return value.get("candidate") == candidate_id or any(
            _carries_candidate(item, candidate_id) for item in value.values()
        )
    if isinstance(value, list):
        return any(_carries_candidate(item, candidate_id) for item in value)
    return False


def _about_candidate(queryset: QuerySet, field: str, candidate_id: int) -> Q:
    # JSON as text reads '"candidate": 42' on PostgreSQL and SQLite alike; the
    # pre-filter also finds 421, which the exact check in Python leaves out.
    rows = queryset.annotate(_carried=Cast(field, TextField())).filter(
        _carried__icontains=f'"candidate": {candidate_id}'
    )
    return Q(
        pk__in=[pk for pk, value in rows.values_list("pk", field) if _carries_candidate(value, candidate_id)]
    )


def logs_redact(*, personal: PersonalData, model: type[Model], ids: Iterable) -> int:
    """Redact the audit rows and admin log entries of ``model`` objects ``ids`` (the candidate's records)."""
    ids = [str(pk) for pk in ids]
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return rows_redact(
        LogEntry.objects.all(),
        personal=personal,
        text=["object_repr"],
        json_text=["change_message"],
        linked=Q(content_type=content_type, object_id__in=ids),
        mentions=False,
    ) + rows_redact(
        AuditEvent.objects.all(),
        personal=personal,
        json_fields=["details"],
        linked=Q(target_type=model._meta.label_lower, target_id__in=ids),
        mentions=False,
    )


def platform_records_redact(*, personal: PersonalData) -> int:
    """Redact the platform's tables: events (hence webhook deliveries), stored answers, audit, admin log.

    Events and stored ``Idempotency-Key`` answers that carry the candidate's id
    are theirs; the rest, and the logs, are redacted where they mention the
    full name or the email. A replay of a stored answer then sends the
    redacted answer, and still does not repeat the request (a decision is not
    recorded twice). Webhook deliveries are built from their event when sent,
    so pending ones send the redacted payload.
    """
    candidate_id = personal.candidate_id
    return (
        rows_redact(
            Event.objects.all(),
            personal=personal,
            json_fields=["resource"],
            linked=_about_candidate(Event.objects.all(), "resource", candidate_id),
        )
        + rows_redact(
            IdempotencyRecord.objects.all(),
            personal=personal,
            json_fields=["response_body", "response_headers"],
            linked=_about_candidate(IdempotencyRecord.objects.all(), "response_body", candidate_id),
        )
        + rows_redact(AuditEvent.objects.all(), personal=personal, json_fields=["details"])
        + rows_redact(
            LogEntry.objects.all(), personal=personal, text=["object_repr"], json_text=["change_message"]
        )
    )
