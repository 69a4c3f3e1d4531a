"""Sending a take-home and a fresh link from the candidate's profile: who may, idempotency, errors."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import AuditEvent
from takehomes.models import Exercise, TakeHome
from tests.review.takehomes.conftest import take_home_make

pytestmark = pytest.mark.django_db


def send_url(application) -> str:
    return reverse("review:take-home-send", args=[application.pk])


def renew_url(take_home) -> str:
    return reverse("review:take-home-renew", args=[take_home.pk])


def profile_url(application) -> str:
    return reverse("review:application-profile", args=[application.pk])


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """``send(user, application, exercise_id)``: the POST, with the on-commit e-mail sent."""

    def post(user, application, exercise_id):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(send_url(application), {"exercise": exercise_id}, follow=False)

    return post


# Who may send -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("recruiter", 302),
        ("committee_member", 302),
        ("other_committee", 404),
        ("interviewer", 404),
        ("outsider", 404),
    ],
)
def test_only_recruiters_and_the_openings_committee_may_send_a_take_home(
    send, personas, application, ds_exercise, mailoutbox, persona, status
):
    response = send(personas[persona], application, ds_exercise.pk)

    assert response.status_code == status
    assert TakeHome.objects.filter(application=application).count() == (1 if status == 302 else 0)
    assert len(mailoutbox) == (1 if status == 302 else 0)


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_sent(client, application, ds_exercise):
    response = client.post(send_url(application), {"exercise": ds_exercise.pk})

    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.LOGIN_URL))
    assert not TakeHome.objects.exists()


def test_sending_takes_a_post_with_the_csrf_token(committee_member, application, ds_exercise):
    client = Client(enforce_csrf_checks=True)
    client.force_login(committee_member)

    assert client.get(send_url(application)).status_code == 405
    assert client.post(send_url(application), {"exercise": ds_exercise.pk}).status_code == 403
    assert not TakeHome.objects.exists()


def test_the_profile_offers_the_published_exercises_with_the_openings_role_first_chosen(
    client, committee_member, application, exercises
):
    client.force_login(committee_member)

    html = client.get(profile_url(application)).content.decode()

    assert f'action="{send_url(application)}"' in html
    for exercise in exercises.values():
        assert exercise.title in html
    own = exercises.get(application.opening.role.key)
    if own is not None:
        assert f'<option value="{own.pk}" selected>' in html


# Sending ------------------------------------------------------------------------------------------------


def test_sending_creates_the_take_home_mails_the_link_and_says_so(
    send, client, committee_member, application, ds_exercise, mailoutbox
):
    response = send(committee_member, application, ds_exercise.pk)

    assert response.status_code == 302
    assert response.url == f"{profile_url(application)}#take-homes-h"
    take_home = TakeHome.objects.get(application=application)
    assert take_home.exercise == ds_exercise
    assert take_home.sent_by == committee_member
    assert mailoutbox[0].to == [application.candidate.email]
    page = client.get(response.url).content.decode()
    assert f"Take-home “{ds_exercise.title}” sent to Ada Lovelace at {application.candidate.email}" in page
    assert "Sent, not opened yet" in page
    assert "Send a new link" in page


def test_sending_the_same_exercise_again_says_it_was_already_sent_and_sends_nothing(
    send, client, committee_member, application, ds_exercise, mailoutbox
):
    send(committee_member, application, ds_exercise.pk)

    response = send(committee_member, application, ds_exercise.pk)

    assert response.status_code == 302
    assert TakeHome.objects.filter(application=application).count() == 1
    assert len(mailoutbox) == 1
    page = client.get(response.url).content.decode()
    assert f"“{ds_exercise.title}” was already sent to Ada Lovelace on" in page
    assert "nothing was sent again" in page


def test_no_exercise_chosen_is_an_error_in_the_summary_linked_to_the_field(
    send, committee_member, application, exercises, mailoutbox
):
    response = send(committee_member, application, "")

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert '<a href="#id_exercise">Choose the exercise to send.</a>' in html
    assert 'aria-invalid="true"' in html
    assert not TakeHome.objects.exists()
    assert mailoutbox == []


def test_an_unpublished_exercise_cannot_be_chosen(send, committee_member, application, ds_exercise):
    Exercise.objects.filter(pk=ds_exercise.pk).update(published_at=None)

    response = send(committee_member, application, ds_exercise.pk)

    assert response.status_code == 400
    assert "Choose one of the published exercises." in response.content.decode()
    assert not TakeHome.objects.exists()


def test_a_candidate_without_an_email_address_is_refused_and_nothing_is_half_written(
    send, committee_member, application, ds_exercise, mailoutbox
):
    candidate = application.candidate
    candidate.email = ""
    candidate.save(update_fields=["email"])

    response = send(committee_member, application, ds_exercise.pk)

    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The candidate has no e-mail address to send the link to." in html
    assert not TakeHome.objects.exists()
    assert not AuditEvent.objects.filter(action="take_home.sent").exists()
    assert mailoutbox == []


def test_an_erased_candidate_is_refused_with_409(
    send, committee_member, application, ds_exercise, mailoutbox
):
    candidate = application.candidate
    candidate.erased_at = timezone.now()
    candidate.save(update_fields=["erased_at"])

    response = send(committee_member, application, ds_exercise.pk)

    assert response.status_code == 409
    assert "data was erased." in response.content.decode()
    assert not TakeHome.objects.exists()
    assert mailoutbox == []


# A fresh link -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [TakeHome.Status.SENT, TakeHome.Status.OPENED])
def test_a_new_link_replaces_the_old_one_and_is_mailed(
    client, recruiter, application, ds_exercise, mailoutbox, django_capture_on_commit_callbacks, status
):
    take_home = take_home_make(application, ds_exercise, status=status)
    old_hash = take_home.token_hash
    client.force_login(recruiter)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(renew_url(take_home))

    assert response.status_code == 302
    take_home.refresh_from_db()
    assert take_home.token_hash != old_hash
    assert len(mailoutbox) == 1
    assert "the previous link no longer works" in client.get(response.url).content.decode()


def test_a_new_link_after_the_submission_is_refused_in_the_error_summary(
    client, recruiter, application, ds_exercise, mailoutbox
):
    take_home = take_home_make(application, ds_exercise, status=TakeHome.Status.SUBMITTED)
    old_hash = take_home.token_hash
    client.force_login(recruiter)

    response = client.post(renew_url(take_home))

    assert response.status_code == 409
    html = response.content.decode()
    assert "There is a problem" in html
    assert "The candidate has already submitted." in html
    take_home.refresh_from_db()
    assert take_home.token_hash == old_hash
    assert mailoutbox == []


def test_the_profile_offers_a_new_link_only_before_the_submission(
    client, recruiter, application, ds_exercise
):
    take_home = take_home_make(application, ds_exercise, status=TakeHome.Status.SUBMITTED)
    client.force_login(recruiter)

    assert renew_url(take_home) not in client.get(profile_url(application)).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("recruiter", 302),
        ("committee_member", 302),
        ("other_committee", 404),
        ("interviewer", 404),
        ("outsider", 404),
    ],
)
def test_only_recruiters_and_the_openings_committee_may_send_a_new_link(
    client, personas, application, ds_exercise, persona, status
):
    take_home = take_home_make(application, ds_exercise)
    client.force_login(personas[persona])

    assert client.post(renew_url(take_home)).status_code == status
