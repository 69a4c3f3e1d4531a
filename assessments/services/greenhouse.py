"""Import a Greenhouse Harvest scorecard as one interviewer's scorecard for an interview.

Greenhouse rates named *attributes* ("Communication", "SQL") on a five-point
word scale; we rate skill areas 1-5 on anchored levels. The translation:

* attribute ratings: definitely_not 1, no 2, mixed 3, yes 4, strong_yes 5;
  ``no_decision`` means the interviewer did not judge it: "not assessed";
* attribute names map onto skill areas through ``AttributeMapping`` rows
  (per source, case-insensitive), which recruiters edit in the admin;
* several attributes mapping to one area: the mean of their ratings, rounded
  half up (``no_decision`` ones left out), and their notes joined, each
  prefixed with its attribute's name; the notes become the area's evidence;
* focus areas of the interview that no mapped attribute covers are "not assessed";
* attributes without a mapping, or mapping to an area the interview does not
  focus on, are reported back, never dropped silently; when none maps at all
  the import is refused (``no_mapped_attributes``);
* ``overall_recommendation``: definitely_not → strong_no, no → no, yes → yes,
  strong_yes → strong_yes. ``no_decision`` has no counterpart (a submitted
  scorecard always carries a recommendation, and inventing one would skew the
  decision), so the scorecard is saved as a *draft* with its ratings and
  evidence: its interviewer picks a recommendation and submits it on the
  scorecard page, and reminders keep coming until they do;
* ``questions[]`` (question and answer) become the scorecard's summary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from assessments.models import Recommendation, Scorecard
from assessments.selectors import attribute_mappings_for
from assessments.services.scorecards import RatingInput, api_rating_field, scorecard_record
from config.errors import ApplicationError
from hiring.models import Interview

ATTRIBUTE_LEVELS: dict[str, int | None] = {
    "definitely_not": 1,
    "no": 2,
    "mixed": 3,
    "yes": 4,
    "strong_yes": 5,
    "no_decision": None,
}
OVERALL_RECOMMENDATIONS: dict[str, str] = {
    "definitely_not": Recommendation.STRONG_NO,
    "no": Recommendation.NO,
    "yes": Recommendation.YES,
    "strong_yes": Recommendation.STRONG_YES,
    "no_decision": "",
}

NO_MAPPING = "no_mapping"
AREA_NOT_IN_INTERVIEW = "area_not_in_interview"


@dataclass(frozen=True)
class GreenhouseAttribute:
    name: str
    rating: str
    note: str = ""
    type: str = ""


@dataclass(frozen=True)
class GreenhouseQuestion:
    question: str
    answer: str = ""


@dataclass
class GreenhouseImport:
    """What an import did: the scorecard, whether it was submitted, and what did not map."""

    scorecard: Scorecard
    submitted: bool
    unmapped_attributes: list[dict] = field(default_factory=list)
    not_assessed_areas: list[str] = field(default_factory=list)


def _level_mean(levels: list[int]) -> int:
    # Half up, not Python's round-half-even: "mixed" and "yes" (3 and 4) make 4.
    return math.floor(sum(levels) / len(levels) + 0.5)


def _evidence(attributes: list[GreenhouseAttribute]) -> str:
    notes = [(a.name, a.note.strip()) for a in attributes if a.note and a.note.strip()]
    if len(attributes) == 1:
        return notes[0][1] if notes else ""
    return "\n\n".join(f"{name}: {note}" for name, note in notes)


def _summary(questions: list[GreenhouseQuestion]) -> str:
    blocks = [
        f"{q.question.strip()}\n{q.answer.strip()}".strip()
        for q in questions
        if q.answer and q.answer.strip()
    ]
    return "\n\n".join(blocks)


def greenhouse_scorecard_import(
    *,
    interview: Interview,
    interviewer,
    source: str,
    overall_recommendation: str,
    attributes: list[GreenhouseAttribute],
    questions: list[GreenhouseQuestion] = (),
    actor=None,
) -> GreenhouseImport:
    """Record a Greenhouse scorecard as ``interviewer``'s scorecard for ``interview`` (see the module doc).

    ``source`` picks the attribute mappings (the token's source). One
    transaction (``scorecard_record``): any error writes nothing. Errors:
    ``invalid`` (400) for a rating word Greenhouse does not use,
    ``no_mapped_attributes`` (400), and those of ``scorecard_record``
    (``not_assigned``, ``already_submitted``, ``scorecard_invalid``).
    """
    if overall_recommendation not in OVERALL_RECOMMENDATIONS:
        raise ApplicationError(
            "invalid",
            f"Unknown overall_recommendation '{overall_recommendation}'.",
            field="overall_recommendation",
        )
    mappings = attribute_mappings_for(source=source)
    focus = [area.key for area in interview.focus_areas.all()]
    by_area: dict[str, list[GreenhouseAttribute]] = {}
    unmapped: list[dict] = []
    for index, attribute in enumerate(attributes):
        if attribute.rating not in ATTRIBUTE_LEVELS:
            raise ApplicationError(
                "invalid", f"Unknown rating '{attribute.rating}'.", field=f"attributes.{index}.rating"
            )
        area_key = mappings.get(attribute.name.strip().lower())
        if area_key is None:
            unmapped.append({"name": attribute.name, "area": None, "reason": NO_MAPPING})
        elif area_key not in focus:
            unmapped.append({"name": attribute.name, "area": area_key, "reason": AREA_NOT_IN_INTERVIEW})
        else:
            by_area.setdefault(area_key, []).append(attribute)
    if not by_area:
        raise ApplicationError(
            "no_mapped_attributes",
            "None of the scorecard's attributes maps onto this interview's skill areas; "
            "a recruiter adds attribute mappings in the admin.",
            field="attributes",
        )

    ratings: list[RatingInput] = []
    not_assessed: list[str] = []
    for area_key in focus:
        mapped = by_area.get(area_key, [])
        levels = [ATTRIBUTE_LEVELS[a.rating] for a in mapped if ATTRIBUTE_LEVELS[a.rating] is not None]
        if not levels:
            not_assessed.append(area_key)
        ratings.append(
            RatingInput(
                area_key=area_key,
                level=_level_mean(levels) if levels else None,
                not_assessed=not levels,
                evidence=_evidence(mapped) if mapped else "",
            )
        )
    recommendation = OVERALL_RECOMMENDATIONS[overall_recommendation]
    scorecard = scorecard_record(
        interview=interview,
        interviewer=interviewer,
        recommendation=recommendation,
        summary=_summary(list(questions)),
        ratings=ratings,
        submit=bool(recommendation),
        actor=actor,
        field_name=api_rating_field,
    )
    return GreenhouseImport(
        scorecard=scorecard,
        submitted=scorecard.is_submitted,
        unmapped_attributes=unmapped,
        not_assessed_areas=not_assessed,
    )
