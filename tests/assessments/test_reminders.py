import datetime as dt
import logging
import os
import smtplib
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone

from assessments.models import ReminderLog
from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from assessments.services.reminders import (
    scorecard_reminder_send,
    scorecard_reminders_send,
    working_days_after,
)
from assessments.tasks import send_scorecard_reminders
from hiring.models import Assignment
from tests.factories import AssignmentFactory, InterviewFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Tuesday 4 March 2025, 10:00-11:00 UTC: reminder 0 is due at 12:00.
TUESDAY_10 = dt.datetime(2025, 3, 4, 10, 0, tzinfo=UTC)
TUESDAY_NOON = dt.datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
# Friday 7 March 2025, 14:00-15:00 UTC: reminder 0 is due at 16:00.
FRIDAY_14 = dt.datetime(2025, 3, 7, 14, 0, tzinfo=UTC)

COMPLETE = [
    RatingInput("software_engineering", 4, evidence="Wrote tests first."),
    RatingInput("statistics_experimentation", 3, evidence="Sized an A/B test."),
    RatingInput("communication", not_assessed=True),
]


def schedule(interview, at: dt.datetime):
    interview.scheduled_at = at
    interview.save(update_fields=["scheduled_at"])
    return interview


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_nothing_is_sent_before_an_hour_after_the_interview_ends(interview, mailoutbox):
    schedule(interview, TUESDAY_10)

    sent = scorecard_reminders_send(now=TUESDAY_NOON - dt.timedelta(minutes=1))

    assert sent == 0
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()


def test_the_first_reminder_goes_out_an_hour_after_the_interview_ends(interview, interviewer, mailoutbox):
    schedule(interview, TUESDAY_10)

    sent = scorecard_reminders_send(now=TUESDAY_NOON)

    assert sent == 1
    [email] = mailoutbox
    assert email.to == [interviewer.email]
    assert email.subject == "Scorecard due: Ada Lovelace \N{EN DASH} Technical (Senior Data Scientist)"
    assert "Ada Lovelace" in email.body
    assert "Technical" in email.body
    assert "Senior Data Scientist" in email.body
    assert "Tuesday 4 March 2025, 10:00" in email.body
    assert "not submitted yet" in email.body
    assert "draft saved" not in email.body
    link = django_settings.SITE_URL + reverse("assessments:scorecard-edit", args=[interview.pk])
    assert link in email.body
    assert link.endswith(f"/interviews/{interview.pk}/scorecard/")
    assert "reminder 1 of 6" in email.body
    log = ReminderLog.objects.get()
    assert (log.assignment.interviewer, log.sequence, log.sent_at) == (interviewer, 0, TUESDAY_NOON)


def test_a_second_sweep_at_the_same_time_sends_nothing(interview, mailoutbox):
    schedule(interview, TUESDAY_10)
    scorecard_reminders_send(now=TUESDAY_NOON)

    sent = scorecard_reminders_send(now=TUESDAY_NOON + dt.timedelta(minutes=15))

    assert sent == 0
    assert len(mailoutbox) == 1


def test_a_reminder_already_claimed_by_a_concurrent_sweep_is_not_sent_again(interview, mailoutbox):
    schedule(interview, TUESDAY_10)
    assignment = Assignment.objects.get(interview=interview)
    ReminderLog.objects.create(assignment=assignment, sequence=0, sent_at=TUESDAY_NOON)

    sent = scorecard_reminder_send(assignment=assignment, sequence=0, now=TUESDAY_NOON, has_draft=False)

    assert sent is False
    assert mailoutbox == []
    assert ReminderLog.objects.count() == 1


def test_the_next_working_day_sends_the_second_reminder(interview, mailoutbox):
    schedule(interview, TUESDAY_10)
    scorecard_reminders_send(now=TUESDAY_NOON)

    assert scorecard_reminders_send(now=TUESDAY_NOON + days(1) - dt.timedelta(minutes=1)) == 0
    sent = scorecard_reminders_send(now=TUESDAY_NOON + days(1))

    assert sent == 1
    assert "reminder 2 of 6" in mailoutbox[-1].body
    assert list(ReminderLog.objects.values_list("sequence", flat=True)) == [0, 1]


def test_a_friday_interview_is_next_reminded_on_monday_not_at_the_weekend(interview, mailoutbox):
    schedule(interview, FRIDAY_14)
    friday_16 = FRIDAY_14 + dt.timedelta(hours=2)
    scorecard_reminders_send(now=friday_16)

    saturday, sunday, monday = friday_16 + days(1), friday_16 + days(2), friday_16 + days(3)
    weekend_sent = scorecard_reminders_send(now=saturday) + scorecard_reminders_send(now=sunday)
    monday_sent = scorecard_reminders_send(now=monday)

    assert weekend_sent == 0
    assert monday_sent == 1
    assert [m.body.count("reminder 2 of 6") for m in mailoutbox] == [0, 1]


def test_working_days_skip_saturday_and_sunday():
    friday = dt.datetime(2025, 3, 7, 16, 0, tzinfo=UTC)
    saturday = friday + days(1)

    assert working_days_after(friday, 1) == dt.datetime(2025, 3, 10, 16, 0, tzinfo=UTC)
    assert working_days_after(saturday, 1) == dt.datetime(2025, 3, 10, 16, 0, tzinfo=UTC)
    assert working_days_after(friday, 5) == dt.datetime(2025, 3, 14, 16, 0, tzinfo=UTC)


def test_after_the_five_daily_reminders_no_more_are_sent(interview, mailoutbox):
    schedule(interview, TUESDAY_10)
    # Due: Tue (first), Wed, Thu, Fri, Mon, Tue (the fifth daily one).
    due = [TUESDAY_NOON + days(offset) for offset in (0, 1, 2, 3, 6, 7)]
    for moment in due:
        assert scorecard_reminders_send(now=moment) == 1

    later = [TUESDAY_NOON + days(8), TUESDAY_NOON + days(9), TUESDAY_NOON + days(30)]
    sent_later = sum(scorecard_reminders_send(now=moment) for moment in later)

    assert sent_later == 0
    assert len(mailoutbox) == 6
    assert "reminder 6 of 6" in mailoutbox[-1].body
    assert "last one" in mailoutbox[-1].body


def test_the_number_of_daily_reminders_is_configurable(interview, mailoutbox, settings):
    settings.SCORECARD_REMINDER_WORKING_DAYS = 1
    schedule(interview, TUESDAY_10)

    sent = [scorecard_reminders_send(now=TUESDAY_NOON + days(offset)) for offset in (0, 1, 2)]

    assert sent == [1, 1, 0]
    assert "reminder 2 of 2" in mailoutbox[-1].body


def test_a_submitted_scorecard_stops_the_reminders(
    interview, interviewer, mailoutbox, django_capture_on_commit_callbacks
):
    schedule(interview, TUESDAY_10)
    scorecard_reminders_send(now=TUESDAY_NOON)
    draft = scorecard_save_draft(
        interview=interview, user=interviewer, recommendation="yes", ratings=COMPLETE
    )
    with django_capture_on_commit_callbacks(execute=True):
        scorecard_submit(scorecard=draft, user=interviewer)

    sent = scorecard_reminders_send(now=TUESDAY_NOON + days(1))

    assert sent == 0
    assert len(mailoutbox) == 1


def test_a_draft_does_not_stop_the_reminders_and_the_email_says_it_is_saved(
    interview, interviewer, mailoutbox
):
    schedule(interview, TUESDAY_10)
    scorecard_save_draft(interview=interview, user=interviewer, ratings=[RatingInput("communication", 2)])

    sent = scorecard_reminders_send(now=TUESDAY_NOON)

    assert sent == 1
    assert "draft saved" in mailoutbox[0].body
    assert "not submitted yet" in mailoutbox[0].body


def test_after_days_of_downtime_only_the_latest_due_reminder_is_sent(interview, mailoutbox):
    schedule(interview, TUESDAY_10)

    # Beat was down from Tuesday until Friday afternoon: reminders 0-3 are all due.
    sent = scorecard_reminders_send(now=TUESDAY_NOON + days(3) + dt.timedelta(hours=1))

    assert sent == 1
    assert "reminder 4 of 6" in mailoutbox[0].body
    assert list(ReminderLog.objects.values_list("sequence", flat=True)) == [3]
    assert scorecard_reminders_send(now=TUESDAY_NOON + days(3) + dt.timedelta(hours=2)) == 0
    assert scorecard_reminders_send(now=TUESDAY_NOON + days(6)) == 1
    assert "reminder 5 of 6" in mailoutbox[1].body


def test_two_interviewers_on_one_interview_each_get_their_own_reminder(
    interview, interviewer, other_interviewer, mailoutbox
):
    schedule(interview, TUESDAY_10)
    AssignmentFactory(interview=interview, interviewer=other_interviewer)
    scorecard_save_draft(interview=interview, user=interviewer, ratings=[RatingInput("communication", 2)])

    sent = scorecard_reminders_send(now=TUESDAY_NOON)

    assert sent == 2
    by_recipient = {tuple(email.to): email.body for email in mailoutbox}
    assert set(by_recipient) == {(interviewer.email,), (other_interviewer.email,)}
    assert "draft saved" in by_recipient[(interviewer.email,)]
    assert "draft saved" not in by_recipient[(other_interviewer.email,)]
    for email in mailoutbox:
        assert len(email.to) == 1
        assert not email.cc
        assert not email.bcc
    assert other_interviewer.email not in by_recipient[(interviewer.email,)]
    assert interviewer.email not in by_recipient[(other_interviewer.email,)]


def test_inactive_users_and_users_without_an_email_address_are_skipped(
    interview, interviewer, other_interviewer, mailoutbox
):
    schedule(interview, TUESDAY_10)
    AssignmentFactory(interview=interview, interviewer=other_interviewer)
    interviewer.is_active = False
    interviewer.save(update_fields=["is_active"])
    other_interviewer.email = ""
    other_interviewer.save(update_fields=["email"])

    sent = scorecard_reminders_send(now=TUESDAY_NOON)

    assert sent == 0
    assert mailoutbox == []


def test_the_configured_first_delay_is_honoured(interview, mailoutbox, settings):
    settings.SCORECARD_REMINDER_FIRST_DELAY_MINUTES = 30
    schedule(interview, TUESDAY_10)
    ends_at = interview.ends_at

    before = scorecard_reminders_send(now=ends_at + dt.timedelta(minutes=29))
    at_delay = scorecard_reminders_send(now=ends_at + dt.timedelta(minutes=30))

    assert (before, at_delay) == (0, 1)
    # The daily reminders keep the time of day of the first one.
    assert scorecard_reminders_send(now=ends_at + days(1) + dt.timedelta(minutes=30)) == 1


def test_a_failed_send_releases_the_claim_and_the_next_sweep_retries(interview, mailoutbox, monkeypatch):
    schedule(interview, TUESDAY_10)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", refuse)
        failed_sweep = scorecard_reminders_send(now=TUESDAY_NOON)

    assert failed_sweep == 0
    assert not ReminderLog.objects.exists()
    assert scorecard_reminders_send(now=TUESDAY_NOON + dt.timedelta(minutes=15)) == 1
    assert len(mailoutbox) == 1


def test_the_sweep_logs_its_count_without_email_addresses(interview, interviewer, caplog):
    schedule(interview, TUESDAY_10)

    with caplog.at_level(logging.INFO, logger="assessments.services.reminders"):
        scorecard_reminders_send(now=TUESDAY_NOON)

    [record] = [r for r in caplog.records if r.name == "assessments.services.reminders"]
    assert record.levelno == logging.INFO
    assert "1 sent" in record.getMessage()
    assert interviewer.email not in caplog.text


def test_the_celery_task_sends_the_reminders_due_now(interview, interviewer, mailoutbox, monkeypatch):
    schedule(interview, TUESDAY_10)
    monkeypatch.setattr(timezone, "now", lambda: TUESDAY_NOON)

    result = send_scorecard_reminders.delay()

    assert result.get() == 1
    assert mailoutbox[0].to == [interviewer.email]
    assert ReminderLog.objects.get().sent_at == TUESDAY_NOON


def test_beat_runs_the_task_every_sweep_interval_under_its_registered_name():
    from config.celery import app

    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["scorecard-reminders"]

    assert entry["task"] == "assessments.send_scorecard_reminders"
    assert entry["schedule"] == dt.timedelta(minutes=django_settings.SCORECARD_REMINDER_SWEEP_MINUTES)
    assert app.tasks["assessments.send_scorecard_reminders"].name == send_scorecard_reminders.name


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SCORECARD_REMINDER_SWEEP_MINUTES", "0"),
        ("SCORECARD_REMINDER_WORKING_DAYS", "-1"),
        ("SCORECARD_REMINDER_FIRST_DELAY_MINUTES", "soon"),
    ],
)
def test_a_bad_reminder_setting_stops_the_process_at_start(name, value):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", name: value}

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_a_sweep_takes_one_query_plus_the_claim_per_reminder(
    interview, application, mailoutbox, django_assert_max_num_queries
):
    schedule(interview, TUESDAY_10)
    for number in range(4):
        other = InterviewFactory(application=application, scheduled_at=TUESDAY_10)
        AssignmentFactory(interview=other, interviewer=UserFactory(username=f"extra_{number}"))
    # Not due yet: filtered out by the query, costs nothing.
    InterviewFactory(application=application, scheduled_at=TUESDAY_NOON, interviewers=[UserFactory()])

    # One select, then per reminder a savepoint, the claim insert and its release.
    with django_assert_max_num_queries(1 + 3 * 5):
        sent = scorecard_reminders_send(now=TUESDAY_NOON)

    assert sent == 5
    assert len(mailoutbox) == 5
