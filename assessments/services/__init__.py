"""Writes for assessments: rubrics (load, fork, lock), scorecards (draft, submit, amend), imports,
attribute mappings and the scorecard reminder emails.
"""

from assessments.services.greenhouse import (
    GreenhouseAttribute,
    GreenhouseImport,
    GreenhouseQuestion,
    greenhouse_scorecard_import,
)
from assessments.services.mappings import (
    attribute_mapping_create,
    attribute_mapping_delete,
    attribute_mapping_update,
)
from assessments.services.reminders import scorecard_reminder_send, scorecard_reminders_send
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
    api_rating_field,
    interview_not_started_check,
    scorecard_amend,
    scorecard_record,
    scorecard_save_draft,
    scorecard_submit,
    scorecard_validate_complete,
)

__all__ = [
    "RUBRICS_DIR",
    "GreenhouseAttribute",
    "GreenhouseImport",
    "GreenhouseQuestion",
    "RatingInput",
    "api_rating_field",
    "attribute_mapping_create",
    "attribute_mapping_delete",
    "attribute_mapping_update",
    "greenhouse_scorecard_import",
    "interview_not_started_check",
    "rubric_files",
    "rubric_load",
    "rubric_version_ensure_editable",
    "rubric_version_fork",
    "rubric_version_lock",
    "scorecard_amend",
    "scorecard_record",
    "scorecard_reminder_send",
    "scorecard_reminders_send",
    "scorecard_save_draft",
    "scorecard_submit",
    "scorecard_validate_complete",
]
