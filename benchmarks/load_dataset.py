"""The data ``benchmarks.load`` runs on, and the checks that nothing it sent was lost.

Runs inside the load script's own process with Django set up on the load
database. The build uses the ORM's ``bulk_create`` (a few thousand rows) and
then the real services for what the API reads: ``opening_recompute`` for fit
scores and offsets, ``shortlist_create`` + ``shortlist_build`` for a ready
shortlist; then ``VACUUM ANALYZE``, as autovacuum would after a bulk load.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

SOURCE = "loadats"  # the integration token's source: the namespace of the ATS ids the load sends
INTERVIEWERS = 24
INTERVIEWS_PER_APPLICATION = 2
INTERVIEWERS_PER_INTERVIEW = 2
PAIRS_PER_APPLICATION = INTERVIEWS_PER_APPLICATION * INTERVIEWERS_PER_INTERVIEW
OPENING_ROLE = "ml_engineer"

# A dedicated database: dropping every row hanging off openings, candidates and
# tokens empties hiring, scorecards, scores and the integration log at once.
SQL_EMPTY = """
TRUNCATE hiring_opening, hiring_candidate, integrations_integrationtoken, integrations_event,
    integrations_auditevent, integrations_idempotencyrecord RESTART IDENTITY CASCADE
"""

# Per application with a submitted scorecard: is there a fit for every role computed at or
# after its newest submission or amendment? Lists the applications where not.
SQL_STALE = """
SELECT newest.application_id
FROM (
    SELECT i.application_id, max(coalesce(s.amended_at, s.submitted_at)) AS newest_at
    FROM assessments_scorecard s JOIN hiring_interview i ON i.id = s.interview_id
    JOIN hiring_application a ON a.id = i.application_id
    WHERE a.opening_id = %(opening_id)s AND s.status = 'submitted'
    GROUP BY i.application_id
) AS newest
WHERE (
    SELECT count(*) FROM scoring_fitscore f
    WHERE f.application_id = newest.application_id AND f.computed_at >= newest.newest_at
) < %(roles)s
ORDER BY newest.application_id
"""


@dataclass(frozen=True)
class Pair:
    """An interview and one of its assigned interviewers: one scorecard to submit, once."""

    interview_id: int
    interviewer_id: int
    interviewer_email: str
    area_keys: tuple[str, ...]


@dataclass
class Dataset:
    opening_id: int
    shortlist_id: int
    token: str
    roles: int
    application_ids: list[int]
    pairs: list[Pair] = field(default_factory=list)


def dataset_build(*, pending_applications: int, scored_applications: int, seed: int = 8) -> Dataset:
    """Empty the load tables, then build one opening and everything the load needs; return it.

    ``scored_applications`` get every scorecard submitted (2 interviews x 2
    interviewers) and are scored; ``pending_applications`` have the same
    interviews with no scorecard yet: their pairs are what the load submits.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from assessments.models import Rating, Role, Scorecard, ScorecardRevision
    from assessments.selectors import rubric_version_current
    from hiring.models import Application, Assignment, Candidate, Interview
    from hiring.roles import INTERVIEWER, groups_ensure
    from hiring.services import opening_create
    from integrations.scopes import ALL_SCOPES
    from integrations.services import token_create
    from scoring.services import opening_recompute
    from scoring.shortlists import shortlist_build, shortlist_create

    rng = random.Random(seed)  # noqa: S311 - a reproducible dataset, not secrets
    now = timezone.now()
    version = rubric_version_current()
    areas = list(version.areas.order_by("order", "key"))
    # The interviews split the rubric's areas between them, as a loop of interviews would.
    area_groups = [areas[index::INTERVIEWS_PER_APPLICATION] for index in range(INTERVIEWS_PER_APPLICATION)]
    with connection.cursor() as cursor:
        cursor.execute(SQL_EMPTY)

    with transaction.atomic():
        group = groups_ensure()[INTERVIEWER]
        User = get_user_model()
        interviewers = []
        for number in range(1, INTERVIEWERS + 1):
            user, _ = User.objects.get_or_create(
                username=f"load-interviewer-{number:02d}",
                defaults={
                    "email": f"load-interviewer-{number:02d}@example.com",
                    "first_name": "Load",
                    "last_name": f"Interviewer {number}",
                },
            )
            user.groups.add(group)
            interviewers.append(user)
        opening = opening_create(
            title="Load test opening", role=Role.objects.get(key=OPENING_ROLE), rubric_version=version
        )
        total = scored_applications + pending_applications
        candidates = Candidate.objects.bulk_create(
            Candidate(
                name=f"Load applicant {number}",
                email=f"load-applicant-{number}@example.com",
                source=SOURCE,
                external_id=f"applicant-{number}",
            )
            for number in range(1, total + 1)
        )
        applications = Application.objects.bulk_create(
            Application(
                candidate=candidate,
                opening=opening,
                stage=Application.Stage.INTERVIEWING,
                source=SOURCE,
                external_id=f"application-{number}",
            )
            for number, candidate in enumerate(candidates, start=1)
        )
        interviews = Interview.objects.bulk_create(
            Interview(
                application=application,
                kind=Interview.Kind.TECHNICAL,
                scheduled_at=now - timedelta(days=2, hours=3 * slot),
                duration_minutes=60,
            )
            for application in applications
            for slot in range(INTERVIEWS_PER_APPLICATION)
        )
        focus = Interview.focus_areas.through
        focus.objects.bulk_create(
            focus(interview_id=interview.pk, skillarea_id=area.pk)
            for index, interview in enumerate(interviews)
            for area in area_groups[index % INTERVIEWS_PER_APPLICATION]
        )
        slots = []  # (application index, interview, interviewer, areas)
        for index, interview in enumerate(interviews):
            panel = rng.sample(interviewers, INTERVIEWERS_PER_INTERVIEW)
            for user in panel:
                slots.append((index // INTERVIEWS_PER_APPLICATION, interview, user, area_groups[index % 2]))
        Assignment.objects.bulk_create(
            Assignment(interview=interview, interviewer=user) for _, interview, user, _ in slots
        )
        # The first applications' scorecards are all in: the scores and the shortlist read from them.
        scored = [slot for slot in slots if slot[0] < scored_applications]
        submitted_at = now - timedelta(days=1)
        scorecards = Scorecard.objects.bulk_create(
            Scorecard(
                interview=interview,
                interviewer=user,
                rubric_version=version,
                status=Scorecard.Status.SUBMITTED,
                recommendation=rng.choice(["strong_no", "no", "yes", "strong_yes"]),
                summary="Seeded by the load test.",
                revision=1,
                submitted_at=submitted_at,
            )
            for _, interview, user, _ in scored
        )
        levels = {}
        for scorecard, (_, _, _, slot_areas) in zip(scorecards, scored, strict=True):
            levels[scorecard.pk] = [(area, rng.randint(1, 5)) for area in slot_areas]
        Rating.objects.bulk_create(
            Rating(scorecard_id=scorecard_id, area=area, level=level, evidence="Seeded.")
            for scorecard_id, rated in levels.items()
            for area, level in rated
        )
        ScorecardRevision.objects.bulk_create(
            ScorecardRevision(
                scorecard=scorecard,
                number=1,
                recommendation=scorecard.recommendation,
                summary=scorecard.summary,
                ratings=[
                    {"area": area.key, "level": level, "not_assessed": False, "evidence": "Seeded."}
                    for area, level in levels[scorecard.pk]
                ],
                created_by=scorecard.interviewer,
                created_at=submitted_at,
            )
            for scorecard in scorecards
        )
        type(version).objects.filter(pk=version.pk, locked_at__isnull=True).update(locked_at=now)
        _, token = token_create(name="Load test", source=SOURCE, scopes=sorted(ALL_SCOPES))

    opening_recompute(opening_id=opening.pk)  # calibration, offsets and fits for the scored applications
    shortlist = shortlist_create(opening=opening)
    shortlist_build(shortlist_id=shortlist.pk)
    with connection.cursor() as cursor:
        # What autovacuum does within a minute of a bulk load on a production server (it is off on
        # some test machines): the dead rows of the recompute's updates cleared, statistics for the
        # rows just loaded. Without them the planner guessed a handful of rows per table, and the
        # shortlist entries page joined every entry before taking its first 50 (5.7 ms of
        # PostgreSQL's CPU instead of 0.4); with the dead rows, the fit scores of a page were read
        # by scanning the whole table (1.7 ms instead of 0.4).
        cursor.execute("VACUUM ANALYZE")
    pairs = [
        Pair(
            interview_id=interview.pk,
            interviewer_id=user.pk,
            interviewer_email=user.email,
            area_keys=tuple(area.key for area in slot_areas),
        )
        for application_index, interview, user, slot_areas in slots
        if application_index >= scored_applications
    ]
    rng.shuffle(pairs)
    return Dataset(
        opening_id=opening.pk,
        shortlist_id=shortlist.pk,
        token=token,
        roles=version.profiles.count(),
        application_ids=[application.pk for application in applications],
        pairs=pairs,
    )


def stale_applications(dataset: Dataset) -> list[int]:
    """Applications with a submitted scorecard newer than one of their fit scores (or none yet)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SQL_STALE, {"opening_id": dataset.opening_id, "roles": dataset.roles})
        return [row[0] for row in cursor.fetchall()]


def scorecards_missing(sent: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    """Pairs (interview, interviewer) answered 201 but without a submitted scorecard of that many ratings."""
    from django.db.models import Count

    from assessments.models import Scorecard

    rows = (
        Scorecard.objects.filter(status=Scorecard.Status.SUBMITTED, interview_id__in={i for i, _ in sent})
        .values("interview_id", "interviewer_id")
        .annotate(ratings=Count("ratings"))
    )
    found = {(row["interview_id"], row["interviewer_id"]): row["ratings"] for row in rows}
    return sorted(pair for pair, ratings in sent.items() if found.get(pair) != ratings)


def candidates_missing(sent: dict[str, tuple[str, str]]) -> list[str]:
    """External ids answered 200/201 whose candidate is absent or lacks the last name and email sent."""
    from hiring.models import Candidate

    found = {
        external_id: (name, email)
        for external_id, name, email in Candidate.objects.filter(
            source=SOURCE, external_id__in=list(sent)
        ).values_list("external_id", "name", "email")
    }
    return sorted(external_id for external_id, expected in sent.items() if found.get(external_id) != expected)
