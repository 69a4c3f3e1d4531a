"""Erasure in take-homes: the candidate's uploaded files and the free text of their contract.

A candidate's predictions and model are their work, and the contract's text items (how
they split the data, what they optimised for, framework notes) may hold anything they
wrote. On erasure the files are deleted from the private storage (after the commit, so a
rolled-back erasure deletes nothing) and the text items are dropped. What was measured
stays (metrics, verdicts, levels and the grader's scorecard are numbers about the work,
and the scores recompute the same), as do the files' hashes, which copy detection reads.
"""

from __future__ import annotations

from django.db import transaction

from takehomes.grader import TEXT_ITEMS
from takehomes.models import Submission

# Free text the candidate typed: dropped. Numbers and the framework's name stay.
_TEXT = (*TEXT_ITEMS, "framework_version")


def take_homes_erase(*, candidate) -> int:
    """Delete the candidate's uploaded files and contract text; returns the submissions changed."""
    changed = 0
    for submission in Submission.objects.select_for_update().filter(
        take_home__application__candidate=candidate
    ):
        names = [field.name for field in (submission.predictions_file, submission.model_file) if field]
        storage = submission.predictions_file.storage
        submission.predictions_file = ""
        submission.model_file = ""
        submission.contract = {key: value for key, value in submission.contract.items() if key not in _TEXT}
        submission.save(update_fields=["predictions_file", "model_file", "contract", "updated_at"])
        transaction.on_commit(lambda names=names, storage=storage: [storage.delete(name) for name in names])
        changed += 1
    return changed


def on_candidate_erasing(sender, *, candidate, personal, **kwargs) -> None:
    """Receiver of ``hiring.signals.candidate_erasing`` (connected in ``TakehomesConfig.ready``)."""
    take_homes_erase(candidate=candidate)
