"""Signals hiring sends so the apps above it can act without hiring importing them."""

from django.dispatch import Signal

# Sent by ``hiring.services.candidate_erase`` inside its transaction, after the
# candidate's own record is overwritten, with ``candidate`` and ``personal``
# (``integrations.erasure.PersonalData``: the name and email as they were).
# Each receiving app redacts the free text of its own tables with
# ``integrations.erasure.rows_redact``. A receiver that raises rolls the whole
# erasure back, so it is sent with ``send`` (not ``send_robust``).
candidate_erasing = Signal()
