"""Celery tasks for assessments: the scorecard reminder sweep.

The schedule (who is owed which reminder, and the claim that sends each one
once) is ``assessments.services.reminders``; the task only runs it at the
current time.
"""

from celery import shared_task
from django.utils import timezone

from assessments.services.reminders import scorecard_reminders_send


@shared_task(
    name="assessments.send_scorecard_reminders",
    acks_late=True,
    time_limit=5 * 60,
    soft_time_limit=4 * 60,
)
def send_scorecard_reminders() -> int:
    """Send the scorecard reminders due now (run by Celery beat); return how many were sent.

    It does not retry itself: beat runs it again every
    ``SCORECARD_REMINDER_SWEEP_MINUTES``, and that next sweep picks up any
    reminder whose send failed (its claim was rolled back) or that a time
    limit cut short. Running it twice, or redelivering it after a lost
    worker, is safe: each reminder is claimed by a unique ``ReminderLog`` row
    in the transaction that sends it, so nobody gets the same one twice.
    """
    return scorecard_reminders_send(now=timezone.now())
