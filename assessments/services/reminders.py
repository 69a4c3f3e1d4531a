"""The scorecard reminder schedule: who is owed which reminder email, and sending it once.

An interviewer who has not submitted their scorecard gets reminder 0
``SCORECARD_REMINDER_FIRST_DELAY_MINUTES`` after the interview ends, then
reminder k (1..``SCORECARD_REMINDER_WORKING_DAYS``) k working days later at the
same time of day. Working days are Monday to Friday, counted in UTC. A
submitted scorecard stops the sequence; a draft does not.

Beat runs the ``assessments.send_scorecard_reminders`` task (``assessments.tasks``)
every ``SCORECARD_REMINDER_SWEEP_MINUTES``; it calls ``scorecard_reminders_send``.
Each sweep sends, per assignment, only the latest reminder that is due, so a
sweep after days of downtime sends one email, not the missed ones in a burst.
A ``ReminderLog`` row, unique per (assignment, sequence), is the claim on a
reminder: it is inserted in the same transaction as the email is sent, so a
failed send releases the claim and two sweeps at once never both send it.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import (
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
)
from django.db.models.functions import Cast
from django.db.models.query import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from assessments.models import ReminderLog, Scorecard
from hiring.models import Assignment

logger = logging.getLogger(__name__)

REMINDER_TEMPLATE = "assessments/email/scorecard_reminder.txt"
SATURDAY = 5


def working_days_after(moment: datetime, days: int) -> datetime:
    """``moment`` moved on by ``days`` working days (Mon-Fri, UTC), at the same time of day.

    From a Friday, one working day is the Monday; from a Saturday or Sunday it
    is also the Monday.
    """
    moment = moment.astimezone(UTC)
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < SATURDAY:
            remaining -= 1
    return moment


def reminder_due_times(*, ends_at: datetime, first_delay: timedelta, working_days: int) -> list[datetime]:
    """When each reminder of an interview falls due: index k is reminder k (0..``working_days``)."""
    first = (ends_at + first_delay).astimezone(UTC)
    return [working_days_after(first, sequence) for sequence in range(working_days + 1)]


def reminder_sequence_due(
    *, ends_at: datetime, now: datetime, first_delay: timedelta, working_days: int
) -> int | None:
    """The latest reminder due at ``now``, or None before the first one is due."""
    due = [
        sequence
        for sequence, due_at in enumerate(
            reminder_due_times(ends_at=ends_at, first_delay=first_delay, working_days=working_days)
        )
        if due_at <= now
    ]
    return due[-1] if due else None


def _lookback(*, first_delay: timedelta, working_days: int) -> timedelta:
    """How long after an interview ends a reminder can still be due.

    ``working_days`` working days span at most two weekend days per started
    week; two more days let a sweep after a short outage still send the last
    reminder. Interviews that ended earlier are not looked at.
    """
    weekends = 2 * -(-working_days // 5)
    return first_delay + timedelta(days=working_days + weekends + 2)


def _reminder_candidates(*, now: datetime, first_delay: timedelta, working_days: int) -> QuerySet:
    """Assignments that may owe a reminder at ``now``, with everything the email needs, in one query.

    Annotated with ``interview_ends_at``, ``has_draft`` and ``last_sequence``
    (the highest reminder already sent, or None).
    """
    scorecards = Scorecard.objects.filter(
        interview=OuterRef("interview"), interviewer=OuterRef("interviewer")
    )
    # The cast lets SQLite (make run) multiply a duration too; PostgreSQL needs no help.
    duration = Cast("interview__duration_minutes", IntegerField()) * timedelta(minutes=1)
    interview_ends_at = ExpressionWrapper(
        F("interview__scheduled_at") + ExpressionWrapper(duration, output_field=DurationField()),
        output_field=DateTimeField(),
    )
    last_sequence = ReminderLog.objects.filter(assignment=OuterRef("pk")).order_by("-sequence")
    return (
        Assignment.objects.annotate(
            interview_ends_at=interview_ends_at,
            has_draft=Exists(scorecards.filter(status=Scorecard.Status.DRAFT)),
            last_sequence=Subquery(last_sequence.values("sequence")[:1]),
        )
        .filter(
            ~Exists(scorecards.filter(status=Scorecard.Status.SUBMITTED)),
            interview_ends_at__lte=now - first_delay,
            interview_ends_at__gt=now - _lookback(first_delay=first_delay, working_days=working_days),
            interviewer__is_active=True,
        )
        .exclude(interviewer__email="")
        .select_related(
            "interviewer",
            "interview__application__candidate",
            "interview__application__opening",
        )
        .order_by("pk")
    )


def scorecard_url(interview_id: int) -> str:
    """The absolute link to an interviewer's scorecard form for an interview."""
    path = reverse("assessments:scorecard-edit", args=[interview_id])
    return f"{settings.SITE_URL}{path}"


def _reminder_email(*, assignment: Assignment, sequence: int, has_draft: bool) -> tuple[str, str]:
    """Subject and plain-text body of reminder ``sequence`` for one interviewer; nobody else's data."""
    interviewer = assignment.interviewer
    interview = assignment.interview
    application = interview.application
    total = settings.SCORECARD_REMINDER_WORKING_DAYS + 1
    subject = (
        f"Scorecard due: {application.candidate.name} \N{EN DASH} {interview.get_kind_display()} "
        f"({application.opening.title})"
    )
    body = render_to_string(
        REMINDER_TEMPLATE,
        {
            "greeting_name": interviewer.get_short_name() or interviewer.get_username(),
            "interview": interview,
            "candidate": application.candidate,
            "opening": application.opening,
            "has_draft": has_draft,
            "scorecard_url": scorecard_url(interview.pk),
            "number": sequence + 1,
            "total": total,
            "is_last": sequence + 1 >= total,
        },
    )
    # Names come from an ATS; a line break in a header would make send_mail refuse the message.
    return " ".join(subject.split()), body


def scorecard_reminder_send(*, assignment: Assignment, sequence: int, now: datetime, has_draft: bool) -> bool:
    """Claim reminder ``sequence`` for ``assignment`` and email it; False if it was already claimed.

    The claim (a ``ReminderLog`` insert) and the send share one transaction:
    an error from the email backend (``OSError``, which includes SMTP errors)
    propagates and rolls the claim back, so the next sweep tries again. A
    claim taken by a concurrent sweep makes the insert fail on the unique
    constraint, and nothing is sent.
    """
    subject, body = _reminder_email(assignment=assignment, sequence=sequence, has_draft=has_draft)
    try:
        with transaction.atomic():
            # No full_clean(): its uniqueness check would race; the constraint is the claim.
            ReminderLog.objects.create(assignment=assignment, sequence=sequence, sent_at=now)
            send_mail(subject, body, None, [assignment.interviewer.email], fail_silently=False)
    except IntegrityError:
        return False
    return True


def scorecard_reminders_send(*, now: datetime) -> int:
    """Send every scorecard reminder due at ``now``; return how many emails went out.

    Per assignment only the latest due reminder is sent, and only if no
    reminder with that or a later sequence was sent before. Inactive users
    and users without an email address are skipped. Settings are read on
    each call. Running it twice, or two at once, sends nothing twice.
    """
    first_delay = timedelta(minutes=settings.SCORECARD_REMINDER_FIRST_DELAY_MINUTES)
    working_days = settings.SCORECARD_REMINDER_WORKING_DAYS
    sent = failed = 0
    for assignment in _reminder_candidates(now=now, first_delay=first_delay, working_days=working_days):
        sequence = reminder_sequence_due(
            ends_at=assignment.interview_ends_at, now=now, first_delay=first_delay, working_days=working_days
        )
        if sequence is None:
            continue
        if assignment.last_sequence is not None and assignment.last_sequence >= sequence:
            continue
        try:
            if scorecard_reminder_send(
                assignment=assignment, sequence=sequence, now=now, has_draft=assignment.has_draft
            ):
                sent += 1
        except OSError as error:
            # The error text can hold the address; log only its type. One bad
            # address must not hold up everyone else's reminders.
            failed += 1
            logger.warning(
                "Scorecard reminder %s for assignment %s not sent (%s); the next sweep retries.",
                sequence,
                assignment.pk,
                type(error).__name__,
            )
    logger.info("Scorecard reminder sweep: %d sent, %d failed.", sent, failed)
    return sent
