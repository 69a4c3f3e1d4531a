"""Import of voluntary self-identification answers (``DemographicResponse``), kept apart from applications.

The answers come from a separate survey (our own or an ATS's voluntary EEO
questionnaire) as a CSV file with one row per candidate::

    candidate_id,gender,ethnicity,consented_at
    17,woman,asian,2025-03-01T10:00:00Z
    18,prefer_not_to_say,,2025-03-02T09:30:00+01:00

An empty cell means the question was not answered. Values are the choice
codes of ``DemographicGender`` / ``DemographicEthnicity`` (labels are accepted
too, case-insensitively). ``consented_at`` is required: without a recorded
consent the answers are not kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.dateparse import parse_datetime

from config.errors import ApplicationError
from hiring.models import Candidate, DemographicResponse
from integrations.audit import audit_record

COLUMNS = ("candidate_id", "gender", "ethnicity", "consented_at")


def _choice(value: str, choices) -> str | None:
    """The code for ``value`` (a code or a label, any case); "" for empty; None when unknown."""
    value = (value or "").strip()
    if not value:
        return ""
    for code, label in choices:
        if value.lower() in (code, label.lower()):
            return code
    return None


def demographic_rows_parse(text: str) -> list[dict[str, str]]:
    """The rows of a CSV export as dicts; raises ApplicationError when a required column is missing."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        column for column in ("candidate_id", "consented_at") if column not in (reader.fieldnames or [])
    ]
    if missing:
        raise ApplicationError("invalid_file", f"The file has no {', '.join(missing)} column.", field="file")
    return list(reader)


def demographic_responses_import(*, rows: Iterable[Mapping[str, str]], source: str, actor) -> int:
    """Create or replace the responses in ``rows`` (see the module docstring); returns how many.

    All or nothing, in one transaction: any bad row (unknown or erased
    candidate, unknown choice, missing or unreadable consent time, a candidate
    twice) raises ApplicationError ``invalid_file`` naming the rows (by line
    number, never by value), and nothing is saved. Erased candidates are refused
    because they asked to be forgotten. Re-importing the same file changes
    nothing but ``updated_at``. Audited as ``demographics.imported`` with the
    count only, never the answers.
    """
    parsed: dict[int, dict] = {}
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            candidate_id = int((row.get("candidate_id") or "").strip())
        except ValueError:
            problems.append(f"line {line}: candidate_id is not a number")
            continue
        consented_at = parse_datetime((row.get("consented_at") or "").strip())
        gender = _choice(row.get("gender", ""), DemographicResponse.Gender.choices)
        ethnicity = _choice(row.get("ethnicity", ""), DemographicResponse.Ethnicity.choices)
        if consented_at is None or consented_at.tzinfo is None:
            problems.append(f"line {line}: consented_at must be a date-time with a time zone")
        if gender is None:
            problems.append(f"line {line}: unknown gender choice")
        if ethnicity is None:
            problems.append(f"line {line}: unknown ethnicity choice")
        if candidate_id in parsed:
            problems.append(f"line {line}: candidate {candidate_id} appears twice")
        parsed[candidate_id] = {
            "line": line,
            "gender": gender,
            "ethnicity": ethnicity,
            "consented_at": consented_at,
        }
    with transaction.atomic():
        candidates = {
            candidate.pk: candidate
            for candidate in Candidate.objects.select_for_update().filter(pk__in=list(parsed))
        }
        for candidate_id, answers in parsed.items():
            candidate = candidates.get(candidate_id)
            if candidate is None:
                problems.append(f"line {answers['line']}: no candidate {candidate_id}")
            elif candidate.erased_at is not None:
                problems.append(f"line {answers['line']}: candidate {candidate_id} was erased")
        if problems:
            raise ApplicationError("invalid_file", "; ".join(problems) + ".", field="file")
        for candidate_id, answers in parsed.items():
            response = DemographicResponse.objects.filter(candidate_id=candidate_id).first()
            response = response or DemographicResponse(candidate_id=candidate_id)
            response.gender = answers["gender"]
            response.ethnicity = answers["ethnicity"]
            response.consented_at = answers["consented_at"]
            response.source = source
            response.full_clean()
            response.save()
        audit_record(
            actor=actor, action="demographics.imported", details={"responses": len(parsed), "source": source}
        )
    return len(parsed)
