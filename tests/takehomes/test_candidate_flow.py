"""The candidate's side, without an account: the link, the page, downloads, uploads, the final submission."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from takehomes.models import GradingReport, Submission, TakeHome, token_hash
from takehomes.services import take_home_send
from tests.takehomes.conftest import predictions_csv

pytestmark = pytest.mark.django_db


def start(client: Client, token: str):
    return client.post(reverse("takehomes:start", args=[token]))


def test_sending_mails_a_link_whose_token_is_stored_only_as_a_hash(sent, mailoutbox, application):
    take_home, token = sent

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [application.candidate.email]
    assert take_home.token_hash == token_hash(token)
    assert token not in str(list(TakeHome.objects.values()))


def test_sending_again_finds_the_same_take_home_and_mails_nothing(
    sent, application, ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    take_home, _ = sent

    with django_capture_on_commit_callbacks(execute=True):
        again, created = take_home_send(application=application, exercise=ds_exercise)

    assert (again.pk, created) == (take_home.pk, False)
    assert len(mailoutbox) == 1


def test_a_candidate_without_an_email_gets_a_clear_error_and_nothing_is_written(application, ds_exercise):
    from config.errors import ApplicationError

    application.candidate.email = ""
    application.candidate.save()

    with pytest.raises(ApplicationError) as refused:
        take_home_send(application=application, exercise=ds_exercise)

    assert refused.value.code == "candidate_without_email"
    assert not TakeHome.objects.exists()


def test_following_the_link_does_not_start_the_clock_pressing_start_does(client, sent):
    take_home, token = sent

    shown = client.get(reverse("takehomes:start", args=[token]))
    take_home.refresh_from_db()
    assert shown.status_code == 200
    assert take_home.opened_at is None

    started = start(client, token)
    take_home.refresh_from_db()
    assert started.status_code == 302
    assert started["Location"] == reverse("takehomes:page", args=[take_home.pk])
    assert take_home.status == TakeHome.Status.OPENED
    assert take_home.deadline_at is not None


def test_the_page_shows_the_brief_rendered_safely_the_deadline_and_the_downloads(client, sent):
    take_home, token = sent
    take_home.exercise.brief += "\n\n<script>alert(1)</script> [x](javascript:alert(2)) **bold**"
    take_home.exercise.save()
    start(client, token)

    page = client.get(reverse("takehomes:page", args=[take_home.pk])).content.decode()

    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page
    assert "Hand in by" in page
    assert reverse("takehomes:download", args=[take_home.pk, "train"]) in page


def test_a_used_link_is_refused_in_another_browser_and_still_works_in_the_first(client, sent):
    _take_home, token = sent
    start(client, token)

    elsewhere = start(Client(), token)
    again = client.get(reverse("takehomes:start", args=[token]))

    assert elsewhere.status_code == 410
    assert "already used" in elsewhere.content.decode()
    assert again.status_code == 302


def test_an_expired_link_is_refused(client, sent):
    from datetime import timedelta

    from django.utils import timezone

    take_home, token = sent
    TakeHome.objects.filter(pk=take_home.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    refused = start(client, token)

    assert refused.status_code == 410
    assert TakeHome.objects.get(pk=take_home.pk).status == TakeHome.Status.EXPIRED


def test_a_made_up_token_is_a_404(client, sent):
    assert start(client, "not-a-token-we-issued").status_code == 404
    assert client.get(reverse("takehomes:start", args=["nope"])).status_code == 404


def test_someone_else_s_take_home_is_a_404_even_with_a_valid_link_of_ones_own(
    client, sent, ds_exercise, django_capture_on_commit_callbacks, mailoutbox
):
    import re

    from tests.factories import ApplicationFactory

    _take_home, token = sent
    with django_capture_on_commit_callbacks(execute=True):
        theirs, _ = take_home_send(application=ApplicationFactory(), exercise=ds_exercise)
    start(client, token)

    assert client.get(reverse("takehomes:page", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("takehomes:download", args=[theirs.pk, "train"])).status_code == 404
    their_token = re.search(r"/take-home/start/([^/\s]+)/", mailoutbox[-1].body).group(1)
    assert their_token != token


def test_downloads_stream_the_training_data_and_test_features_and_never_the_labels(client, sent):
    take_home, token = sent
    start(client, token)

    train = client.get(reverse("takehomes:download", args=[take_home.pk, "train"]))
    test = client.get(reverse("takehomes:download", args=[take_home.pk, "test"]))
    labels = client.get(reverse("takehomes:download", args=[take_home.pk, "labels"]))

    assert train.status_code == test.status_code == 200
    assert b"".join(train.streaming_content).splitlines()[0].endswith(b",label")
    test_rows = b"".join(test.streaming_content).decode().splitlines()
    assert test_rows[0].startswith("row_id,")
    assert "label" not in test_rows[0]
    assert labels.status_code == 404


def test_a_wrong_csv_is_refused_at_its_field_and_nothing_is_stored(client, sent):
    take_home, token = sent
    start(client, token)
    bad = SimpleUploadedFile("p.csv", b"row_id,label\nr0001,maybe\n", content_type="text/csv")

    answer = client.post(reverse("takehomes:page", args=[take_home.pk]), {"predictions": bad, "f1": "0.9"})

    assert answer.status_code == 400
    assert "There is a problem" in answer.content.decode()
    submission = Submission.objects.get(take_home=take_home)
    assert not submission.predictions_file
    assert submission.contract == {}


def test_a_draft_can_be_replaced_then_the_final_submission_is_graded_and_the_score_is_never_shown(
    client, sent, django_capture_on_commit_callbacks
):
    take_home, token = sent
    start(client, token)
    page = reverse("takehomes:page", args=[take_home.pk])
    first = predictions_csv(take_home.exercise, flip=20)
    better = predictions_csv(take_home.exercise)

    client.post(page, {"predictions": SimpleUploadedFile("p.csv", first), "f1": "0.5"})
    client.post(page, {"predictions": SimpleUploadedFile("p.csv", better), "f1": "0.95", "accuracy": "0.96"})
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(reverse("takehomes:submit", args=[take_home.pk]))
    after = client.get(page).content.decode()

    take_home.refresh_from_db()
    report = GradingReport.objects.get(take_home=take_home)
    assert submitted.status_code == 302
    assert take_home.status == TakeHome.Status.GRADED
    assert report.status == GradingReport.Status.GRADED
    assert report.metrics["f1"]["value"] > 0.9
    assert take_home.submission.contract == {"f1": 0.95, "accuracy": 0.96}
    f1 = f"{report.metrics['f1']['value']:.2f}"
    assert "final submission is in" in after
    assert f1 not in after
    assert "F1 of" not in after
    replaced = client.post(page, {"predictions": SimpleUploadedFile("p.csv", first)})
    assert replaced.status_code == 400
    assert "no longer takes uploads" in replaced.content.decode()
    assert (
        TakeHome.objects.get(pk=take_home.pk).submission.predictions_sha256
        == take_home.submission.predictions_sha256
    )
