"""The take-home API: exercises, sending, reading take-homes and their reports, and the graded webhook.

Reports are written directly as ``GradingReport`` rows (the grader itself is tested with the
candidate's flow), so these tests are about who may send, see and read what.
"""

import json

import pytest
from django.db import transaction
from django.utils import timezone

from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
from integrations.models import WebhookSubscription
from takehomes.models import GradingReport, TakeHome
from takehomes.selectors import report_visible_to, take_home_applications_visible_to, take_homes_visible_to
from takehomes.services import take_home_send
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    OpeningFactory,
    UserFactory,
)
from tests.integrations.conftest import Receiver

pytestmark = pytest.mark.django_db

EXERCISES = "/api/v1/exercises/"
TAKE_HOMES = "/api/v1/take-homes/"
AREAS = ["software_engineering", "statistics_experimentation", "communication"]


def sending_path(application) -> str:
    return f"/api/v1/applications/{application.pk}/take-homes/"


def detail_path(take_home) -> str:
    return f"{TAKE_HOMES}{take_home.pk}/"


def graded(take_home, *, flags=()) -> GradingReport:
    """Mark ``take_home`` graded with a report, as grading would leave it."""
    now = timezone.now()
    TakeHome.objects.filter(pk=take_home.pk).update(status=TakeHome.Status.GRADED, graded_at=now)
    report = GradingReport.objects.create(
        take_home=take_home,
        status=GradingReport.Status.GRADED,
        metrics={"f1": {"value": 0.95, "lower": 0.91, "upper": 0.98}},
        levels={"ml_modelling": {"level": 4, "reason": "f1 0.95"}},
        flags=list(flags),
        graded_at=now,
    )
    take_home.refresh_from_db()
    return report


def submit_scorecard(interview, user) -> None:
    draft = scorecard_save_draft(
        interview=interview,
        user=user,
        recommendation="yes",
        summary="Solid.",
        ratings=[RatingInput(key, 3, evidence="Seen in the interview.") for key in AREAS],
    )
    scorecard_submit(scorecard=draft, user=user)


@pytest.fixture
def reader(token_client):
    return token_client(["take_homes:read"])


@pytest.fixture
def sender(token_client):
    """A Greenhouse token that sends and reads take-homes (``application`` is Greenhouse's)."""
    return token_client(["take_homes:read", "take_homes:write"])


@pytest.fixture
def elsewhere(committee_member, ds_exercise, django_capture_on_commit_callbacks):
    """A take-home of another opening's application, whose committee ``committee_member`` is not on."""
    application = ApplicationFactory(
        opening=OpeningFactory(title="Other opening"), candidate__name="Grace Hopper", source="lever"
    )
    with django_capture_on_commit_callbacks(execute=True):
        take_home, _ = take_home_send(application=application, exercise=ds_exercise, source="lever")
    return take_home


# Exercises --------------------------------------------------------------------------------


def test_the_exercises_list_holds_the_published_exercises_and_filters_by_role(reader, exercises):
    everything = reader.get(EXERCISES)
    data_scientist = reader.get(EXERCISES, {"role": "data_scientist"})

    assert everything.status_code == 200
    assert {item["id"] for item in everything.json()["results"]} == {e.pk for e in exercises.values()}
    assert [item["id"] for item in data_scientist.json()["results"]] == [exercises["data_scientist"].pk]
    assert data_scientist.json()["results"][0]["role"] == "data_scientist"


def test_an_unpublished_exercise_is_not_listed(reader, ds_exercise):
    ds_exercise.published_at = None
    ds_exercise.save(update_fields=["published_at"])

    listed = reader.get(EXERCISES, {"role": "data_scientist"})

    assert listed.json()["results"] == []


def test_reading_exercises_needs_the_take_homes_read_scope(token_client, exercises):
    response = token_client(["candidates:read"]).get(EXERCISES)

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


# Sending ----------------------------------------------------------------------------------


def test_a_token_sends_a_take_home_once_201_then_200_and_the_candidate_gets_one_email(
    sender, application, ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = sender.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        again = sender.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    take_home = TakeHome.objects.get()
    assert first["Location"] == detail_path(take_home) == first.json()["url"]
    assert first.json() == again.json()
    assert (first.json()["status"], first.json()["source"], first.json()["report"]) == (
        "sent",
        "greenhouse",
        None,
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [application.candidate.email]


def test_a_signed_in_committee_member_sends_as_manual(
    session_client, committee_member, application, ds_exercise
):
    response = session_client(committee_member).post(
        sending_path(application), {"exercise": ds_exercise.pk}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["source"] == "manual"
    assert TakeHome.objects.get().sent_by == committee_member


@pytest.mark.parametrize("case", ["unknown", "unpublished", "not a number"])
def test_an_unknown_or_unpublished_exercise_is_a_400_at_exercise_and_nothing_is_sent(
    sender, application, ds_exercise, mailoutbox, case
):
    if case == "unpublished":
        ds_exercise.published_at = None
        ds_exercise.save(update_fields=["published_at"])
    exercise = {"unknown": 999999, "unpublished": ds_exercise.pk, "not a number": "three"}[case]

    response = sender.post(sending_path(application), {"exercise": exercise}, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "exercise"
    assert not TakeHome.objects.exists()
    assert mailoutbox == []


def test_a_body_with_an_unknown_key_is_refused(sender, application, ds_exercise):
    response = sender.post(
        sending_path(application), {"exercise": ds_exercise.pk, "exercize": 1}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"


def test_a_lever_token_cannot_send_to_greenhouse_s_application(token_client, application, ds_exercise):
    lever = token_client(["take_homes:read", "take_homes:write"], source="lever")

    response = lever.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "source_mismatch"
    assert not TakeHome.objects.exists()


def test_a_lever_token_cannot_resend_greenhouse_s_existing_take_home_either(token_client, sent, ds_exercise):
    take_home, _ = sent
    lever = token_client(["take_homes:write"], source="lever")

    response = lever.post(sending_path(take_home.application), {"exercise": ds_exercise.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "source_mismatch"


def test_a_token_sharing_the_source_may_send(token_client, application, ds_exercise):
    sharing = token_client(["take_homes:write"], source="lever", shared_sources=["greenhouse"])

    response = sharing.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json")

    assert response.status_code == 201
    assert response.json()["source"] == "lever"


def test_sending_without_the_write_scope_is_403_missing_scope(reader, application, ds_exercise):
    response = reader.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert not TakeHome.objects.exists()


def test_a_committee_member_cannot_send_to_an_application_they_do_not_see(
    session_client, committee_member, ds_exercise
):
    foreign = ApplicationFactory(opening=OpeningFactory(title="Not theirs"))

    response = session_client(committee_member).post(
        sending_path(foreign), {"exercise": ds_exercise.pk}, format="json"
    )

    assert response.status_code == 404
    assert not TakeHome.objects.exists()


def test_sending_to_an_application_that_does_not_exist_is_404(sender, ds_exercise):
    response = sender.post(
        "/api/v1/applications/999999/take-homes/", {"exercise": ds_exercise.pk}, format="json"
    )

    assert response.status_code == 404


def test_an_erased_candidate_is_409_candidate_erased(sender, application, ds_exercise):
    from hiring.services import candidate_erase

    candidate_erase(candidate=application.candidate, actor=None)

    response = sender.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "candidate_erased"


def test_an_idempotency_key_replays_the_first_answer(
    sender, application, ds_exercise, mailoutbox, django_capture_on_commit_callbacks
):
    headers = {"HTTP_IDEMPOTENCY_KEY": "send-ada-ds-1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = sender.post(sending_path(application), {"exercise": ds_exercise.pk}, format="json", **headers)
        replay = sender.post(
            sending_path(application), {"exercise": ds_exercise.pk}, format="json", **headers
        )

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert len(mailoutbox) == 1


# Reading ----------------------------------------------------------------------------------


def test_a_take_home_shows_its_status_and_once_graded_its_report(reader, sent):
    take_home, _ = sent
    before = reader.get(detail_path(take_home))
    graded(take_home)

    after = reader.get(detail_path(take_home))

    assert (before.status_code, before.json()["status"], before.json()["report"]) == (200, "sent", None)
    assert after.json()["status"] == "graded"
    assert after.json()["report"]["metrics"]["f1"]["value"] == 0.95
    assert after.json()["report"]["automated"] is True


def test_a_take_home_past_its_expiry_reads_expired_though_nobody_opened_the_link_since(reader, sent):
    from datetime import timedelta

    from django.utils import timezone

    take_home, _ = sent
    TakeHome.objects.filter(pk=take_home.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert reader.get(detail_path(take_home)).json()["status"] == "expired"
    assert TakeHome.objects.get(pk=take_home.pk).status == TakeHome.Status.SENT  # a read writes nothing


def test_a_pending_report_is_null(reader, sent):
    take_home, _ = sent
    GradingReport.objects.create(take_home=take_home)

    assert reader.get(detail_path(take_home)).json()["report"] is None


def test_an_application_s_take_homes_are_listed_and_filters_select_by_application_and_status(
    reader, sent, elsewhere
):
    take_home, _ = sent
    graded(elsewhere)

    nested = reader.get(sending_path(take_home.application))
    by_application = reader.get(TAKE_HOMES, {"application": take_home.application_id})
    by_status = reader.get(TAKE_HOMES, {"status": "graded"})
    everything = reader.get(TAKE_HOMES)

    assert [item["id"] for item in nested.json()["results"]] == [take_home.pk]
    assert [item["id"] for item in by_application.json()["results"]] == [take_home.pk]
    assert [item["id"] for item in by_status.json()["results"]] == [elsewhere.pk]
    assert [item["id"] for item in everything.json()["results"]] == [elsewhere.pk, take_home.pk]


def test_a_status_that_is_not_one_of_the_choices_is_a_400(reader, sent):
    response = reader.get(TAKE_HOMES, {"status": "lost"})

    assert response.status_code == 400
    assert response.json()["field"] == "status"


def test_a_committee_member_sees_their_opening_s_take_homes_only(
    session_client, committee_member, sent, elsewhere
):
    take_home, _ = sent
    client = session_client(committee_member)

    listed = client.get(TAKE_HOMES)

    assert [item["id"] for item in listed.json()["results"]] == [take_home.pk]
    assert client.get(detail_path(elsewhere)).status_code == 404
    assert client.get(sending_path(elsewhere.application)).status_code == 404
    assert client.get(TAKE_HOMES, {"application": elsewhere.application_id}).json()["results"] == []


def test_a_token_sees_every_source_s_take_homes(reader, sent, elsewhere):
    listed = reader.get(TAKE_HOMES)

    assert {item["source"] for item in listed.json()["results"]} == {"manual", "lever"}


def test_people_without_a_take_homes_role_are_refused(session_client, interviewer, outsider, sent):
    take_home, _ = sent

    for user in (interviewer, outsider):
        response = session_client(user).get(detail_path(take_home))
        assert response.status_code == 403
        assert response.json()["code"] == "missing_scope"


# The independence rule: an interviewer reads the grade only after their own scorecard --------


@pytest.fixture
def interviewing_committee_member(application):
    """A committee member of another opening (so the API gives them take_homes:read) who also
    interviews ``application``: on it, they are an interviewer, not its committee."""
    user = UserFactory(username="ines_interviewing", groups=["interviewer", "hiring committee"])
    OpeningFactory(title="Their own opening", committee=[user])
    interview = InterviewFactory(application=application, interviewers=[user])
    return user, interview


def test_an_interviewer_reads_a_take_home_s_report_only_after_submitting_their_own_scorecard(
    session_client, interviewing_committee_member, sent
):
    user, interview = interviewing_committee_member
    take_home, _ = sent
    graded(take_home)
    client = session_client(user)

    before = client.get(detail_path(take_home))
    listed_before = client.get(sending_path(take_home.application))
    submit_scorecard(interview, user)
    after = client.get(detail_path(take_home))

    assert (before.status_code, before.json()["status"], before.json()["report"]) == (200, "graded", None)
    assert listed_before.json()["results"][0]["report"] is None
    assert after.json()["report"]["metrics"]["f1"]["value"] == 0.95


def test_a_draft_scorecard_does_not_unlock_the_report(session_client, interviewing_committee_member, sent):
    user, interview = interviewing_committee_member
    take_home, _ = sent
    graded(take_home)
    scorecard_save_draft(interview=interview, user=user, recommendation="yes", summary="", ratings=[])

    assert session_client(user).get(detail_path(take_home)).json()["report"] is None


def test_the_selectors_apply_the_same_rule_to_a_plain_interviewer(interview, interviewer, sent, elsewhere):
    take_home, _ = sent
    graded(take_home)

    visible = list(take_homes_visible_to(interviewer))
    before = report_visible_to(interviewer, take_home)
    submit_scorecard(interview, interviewer)

    assert visible == [take_home]  # the application they interview, not the other opening's
    assert before is False
    assert report_visible_to(interviewer, take_home) is True
    assert report_visible_to(actor=interviewer, take_home=TakeHome.objects.get(pk=take_home.pk)) is True
    assert report_visible_to(interviewer, elsewhere) is False


@pytest.mark.parametrize("persona", ["recruiter", "committee_member"])
def test_recruiters_and_the_opening_s_committee_read_reports_without_a_scorecard(request, persona, sent):
    take_home, _ = sent
    user = request.getfixturevalue(persona)

    assert report_visible_to(user, take_home) is True
    assert [t.report_visible for t in take_homes_visible_to(user)] == [True]


@pytest.mark.parametrize("persona", ["token", "recruiter", "committee_member", "outsider"])
def test_take_homes_follow_the_applications_visibility_rule_for_everyone_but_interviewers(
    request, token_client, persona, sent, elsewhere
):
    from hiring.selectors import applications_visible_to
    from integrations.identity import IntegrationUser

    if persona == "token":
        user = IntegrationUser(token_client(["take_homes:read"]).token)
    else:
        user = request.getfixturevalue(persona)

    assert set(take_home_applications_visible_to(user)) == set(applications_visible_to(actor=user))
    assert {t.application for t in take_homes_visible_to(user)} <= set(applications_visible_to(actor=user))


def test_anonymous_callers_see_no_take_home(sent):
    from django.contrib.auth.models import AnonymousUser

    take_home, _ = sent

    assert list(take_homes_visible_to(AnonymousUser())) == []
    assert report_visible_to(AnonymousUser(), take_home) is False


def test_copy_flags_name_another_candidate_only_to_those_who_may_see_that_take_home(
    session_client, committee_member, reader, sent, elsewhere
):
    take_home, _ = sent
    graded(
        take_home, flags=[{"kind": "identical_predictions", "take_home": elsewhere.pk, "candidate": "Old"}]
    )

    to_committee = session_client(committee_member).get(detail_path(take_home)).json()["report"]["flags"]
    to_token = reader.get(detail_path(take_home)).json()["report"]["flags"]

    assert to_committee == [{"kind": "identical_predictions", "take_home": None, "candidate": None}]
    # As the candidate is named now, not as when graded.
    assert to_token == [
        {"kind": "identical_predictions", "take_home": elsewhere.pk, "candidate": "Grace Hopper"}
    ]


# Query counts -----------------------------------------------------------------------------


@pytest.fixture
def many_take_homes(committee_member, opening, ds_exercise, mle_exercise, django_capture_on_commit_callbacks):
    """Six graded take-homes on ``committee_member``'s opening, each with a copy flag."""
    take_homes = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            application = ApplicationFactory(
                opening=opening, candidate=CandidateFactory(), source="greenhouse"
            )
            for exercise in (ds_exercise, mle_exercise):
                take_homes.append(take_home_send(application=application, exercise=exercise)[0])
    for index, take_home in enumerate(take_homes):
        other = take_homes[index - 1]
        graded(take_home, flags=[{"kind": "identical_model", "take_home": other.pk, "candidate": "x"}])
    return take_homes


# Token: the token lookup, the page, the flagged take-homes' names. Session: the session and user,
# their groups and committee seats (the scope check), the page, the flagged names.
LISTS = [TAKE_HOMES, f"{TAKE_HOMES}?status=graded", "nested"]


@pytest.mark.parametrize("url", LISTS)
def test_take_home_lists_make_a_fixed_number_of_queries_for_a_token(
    reader, many_take_homes, django_assert_num_queries, url
):
    url = sending_path(many_take_homes[0].application) if url == "nested" else url
    separator = "&" if "?" in url else "?"
    reader.get(url)  # the first use stamps the token's last_used_at

    with django_assert_num_queries(4 if "applications" in url else 3):
        small = reader.get(f"{url}{separator}page_size=1")
    with django_assert_num_queries(4 if "applications" in url else 3):
        large = reader.get(f"{url}{separator}page_size=50")

    assert len(small.json()["results"]) == 1
    assert len(large.json()["results"]) == (2 if "applications" in url else 6)
    assert all(item["report"]["flags"][0]["candidate"] for item in large.json()["results"])


@pytest.mark.parametrize("url", LISTS)
def test_take_home_lists_make_a_fixed_number_of_queries_for_a_committee_member(
    session_client, committee_member, many_take_homes, django_assert_num_queries, url
):
    url = sending_path(many_take_homes[0].application) if url == "nested" else url
    separator = "&" if "?" in url else "?"
    client = session_client(committee_member)

    with django_assert_num_queries(6 if "applications" in url else 5):
        small = client.get(f"{url}{separator}page_size=1")
    with django_assert_num_queries(6 if "applications" in url else 5):
        large = client.get(f"{url}{separator}page_size=50")

    assert len(small.json()["results"]) == 1
    assert len(large.json()["results"]) == (2 if "applications" in url else 6)


def test_the_exercises_list_makes_a_fixed_number_of_queries(reader, exercises, django_assert_num_queries):
    reader.get(EXERCISES)

    with django_assert_num_queries(2):
        small = reader.get(EXERCISES, {"page_size": 1})
    with django_assert_num_queries(2):
        large = reader.get(EXERCISES, {"page_size": 50})

    assert (len(small.json()["results"]), len(large.json()["results"])) == (1, 3)


# The take_home.graded webhook ---------------------------------------------------------------


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with Receiver() as running:
        yield running


def test_a_subscription_with_take_homes_read_receives_take_home_graded(
    token_client, receiver, sent, django_capture_on_commit_callbacks
):
    from integrations.events import event_emit
    from takehomes.representations import take_home_resource

    take_home, _ = sent
    hooks = token_client(["webhooks:manage", "take_homes:read"])
    subscribed = hooks.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["take_home.graded"]}, format="json"
    )
    report = graded(take_home)

    # What grading emits, in the grade's transaction.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_emit(type="take_home.graded", resource=take_home_resource(take_home, report=report))

    assert subscribed.status_code == 201, subscribed.json()
    assert len(receiver.requests) == 1
    delivered = json.loads(receiver.requests[0]["body"])
    assert delivered["type"] == "take_home.graded"
    assert delivered["resource"]["id"] == take_home.pk
    assert delivered["resource"]["url"] == detail_path(take_home)
    assert delivered["resource"]["report"]["metrics"]["f1"]["value"] == 0.95


def test_a_token_without_take_homes_read_cannot_subscribe_to_take_home_graded(token_client, receiver):
    hooks = token_client(["webhooks:manage", "scorecards:read"])

    response = hooks.post(
        "/api/v1/webhooks/", {"url": receiver.url, "events": ["take_home.graded"]}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert "take_homes:read" in response.json()["detail"]
    assert not WebhookSubscription.objects.exists()
