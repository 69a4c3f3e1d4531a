"""Reads of hiring data, filtered by who asks."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from config.errors import ApplicationError


def interviewer_resolve(*, source: str, email: str | None = None, external_id: str | None = None):
    """The active user an ATS names by its external id (within ``source``) or by email.

    Raises ApplicationError ``unknown_interviewer`` (400, field ``interviewer``)
    when nobody matches, ``interviewer_required`` when neither is given.
    """
    if not email and not external_id:
        raise ApplicationError(
            "interviewer_required", "Name the interviewer by email or external id.", field="interviewer"
        )
    users = get_user_model().objects.filter(is_active=True)
    condition = (
        Q(ats_identities__source=source, ats_identities__external_id=external_id) if external_id else Q()
    )
    if email:
        condition = condition | Q(email__iexact=email) if external_id else Q(email__iexact=email)
    matches = list(users.filter(condition).distinct()[:2])
    if len(matches) != 1:
        raise ApplicationError(
            "unknown_interviewer",
            "No single interviewer matches that email or external id.",
            field="interviewer",
        )
    return matches[0]
