"""Writes for assessments: rubrics (load, fork, lock) and scorecards (draft, submit, amend)."""

from assessments.services.rubrics import (
    RUBRICS_DIR,
    rubric_files,
    rubric_load,
    rubric_version_ensure_editable,
    rubric_version_fork,
    rubric_version_lock,
)
from assessments.services.scorecards import (
    RatingInput,
    scorecard_amend,
    scorecard_save_draft,
    scorecard_submit,
    scorecard_validate_complete,
)

__all__ = [
    "RUBRICS_DIR",
    "RatingInput",
    "rubric_files",
    "rubric_load",
    "rubric_version_ensure_editable",
    "rubric_version_fork",
    "rubric_version_lock",
    "scorecard_amend",
    "scorecard_save_draft",
    "scorecard_submit",
    "scorecard_validate_complete",
]
