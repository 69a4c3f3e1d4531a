"""Recomputes behind a backlog coalesce: one run of the task recomputes every application waiting.

The claims run on the real Redis (the broker's); the batch recompute on the real database.
"""

from unittest import mock

import pytest
from django.db import connection, transaction

from integrations.models import Event, WebhookDelivery, WebhookSubscription
from scoring import coalescing, services
from scoring.models import ApplicationScoreState, FitScore
from tests.conftest import wait_for
from tests.scoring.conftest import stored_fits

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_keys():
    """No ids left from another test on this database, before or after."""

    def clean():
        client = coalescing._client()
        keys = list(client.scan_iter(match=coalescing._key("*")))
        if keys:
            client.delete(*keys)

    clean()
    yield
    clean()


def waiting(*ids):
    """Applications whose recompute was asked for while a run is scheduled: no message of their own."""
    first = coalescing.schedule(application_id=ids[0], run_id="scheduled-run")
    for application_id in ids[1:]:
        assert not coalescing.schedule(application_id=application_id, run_id="unsent").send
    return first


def test_a_quiet_server_sends_a_run_at_once_and_the_next_asks_join_it():
    first = coalescing.schedule(application_id=11, run_id="run-a")
    assert (first.send, first.run_id, first.application_id, first.countdown) == (True, "run-a", 11, 0)

    second = coalescing.schedule(application_id=12, run_id="run-b")

    assert (second.send, second.run_id) == (False, "run-a")  # run-a, not yet started, takes 12 too
    assert coalescing.claim(application_id=11, run_id="run-a") == ([11, 12], 0)


def test_after_a_run_starts_the_next_waits_for_the_interval(settings):
    settings.SCORES_RECOMPUTE_INTERVAL_MS = 500
    waiting(11)
    coalescing.claim(application_id=11, run_id="scheduled-run")

    later = coalescing.schedule(application_id=12, run_id="run-b")

    assert later.send
    assert 0.3 < later.countdown <= 0.5
    # With no interval, at once.
    coalescing.claim(application_id=12, run_id="run-b")
    settings.SCORES_RECOMPUTE_INTERVAL_MS = 0
    assert coalescing.schedule(application_id=13, run_id="run-c").countdown == 0


def test_a_run_claims_its_own_application_and_every_other_waiting_one():
    waiting(11, 12, 13)

    assert coalescing.claim(application_id=12, run_id="run-a") == ([11, 12, 13], 0)
    # A message sent anyway for 11 (a caller waiting for its result) recomputes 11 alone.
    assert coalescing.claim(application_id=11, run_id="run-b") == ([11], 0)


def test_an_application_submitted_again_after_the_claim_schedules_the_next_run():
    waiting(11, 12)
    assert coalescing.claim(application_id=11, run_id="scheduled-run") == ([11, 12], 0)

    # A scorecard committed after the claim: its ratings may be newer than the run read.
    again = coalescing.schedule(application_id=12, run_id="run-b")

    assert again.send
    assert coalescing.claim(application_id=12, run_id="run-b") == ([12], 0)


def test_a_redelivered_run_takes_its_claims_again_until_it_has_finished():
    waiting(11, 12)
    assert coalescing.claim(application_id=11, run_id="scheduled-run") == ([11, 12], 0)

    # The worker died (or the recompute hit a database error) before the release: the same task id
    # comes back, and takes the same applications, though the pending set no longer has them.
    assert coalescing.claim(application_id=11, run_id="scheduled-run") == ([11, 12], 0)

    coalescing.release(run_id="scheduled-run")
    assert coalescing.claim(application_id=11, run_id="scheduled-run") == ([11], 0)


def test_a_run_takes_at_most_a_batch_and_the_rest_go_to_a_follow_up_sent_at_once():
    ids = list(range(1, services.RECOMPUTE_BATCH + 11))
    waiting(*ids)

    first, left = coalescing.claim(application_id=ids[0], run_id="scheduled-run")
    follow_up = coalescing.schedule(application_id=None, run_id="follow-up", immediate=True)
    second, _ = coalescing.claim(application_id=follow_up.application_id, run_id="follow-up")

    assert (len(first), left) == (services.RECOMPUTE_BATCH, 10)
    assert ids[0] in first
    assert (follow_up.send, follow_up.countdown) == (True, 0)
    assert sorted(first + second) == ids
    assert coalescing.schedule(application_id=None, run_id="another", immediate=True) is None


def test_a_run_whose_message_could_not_be_sent_does_not_hold_the_schedule():
    assert coalescing.schedule(application_id=11, run_id="run-a").send
    coalescing.unschedule(run_id="run-a")  # the broker refused the message

    assert coalescing.schedule(application_id=12, run_id="run-b").send


def test_a_scheduled_run_whose_message_is_lost_holds_the_schedule_for_its_margin_only(monkeypatch):
    import time

    monkeypatch.setattr(coalescing, "SCHEDULE_MARGIN_MS", 200)
    assert coalescing.schedule(application_id=11, run_id="lost").send
    assert not coalescing.schedule(application_id=12, run_id="run-b").send

    time.sleep(0.3)

    assert coalescing.schedule(application_id=13, run_id="run-c").send


def test_servers_on_different_databases_sharing_one_redis_never_take_each_other_s_ids():
    waiting(11, 12)

    with mock.patch.dict(connection.settings_dict, {"NAME": "another_server"}):
        assert coalescing.schedule(application_id=21, run_id="theirs").send  # not run-a's schedule
        assert coalescing.claim(application_id=21, run_id="theirs") == ([21], 0)

    assert coalescing.claim(application_id=11, run_id="scheduled-run") == ([11, 12], 0)


@pytest.fixture
def sent(monkeypatch):
    """The messages the recompute task sends, not eager: (args, options) each; none reach the broker."""
    from celery.app.task import Task

    from config.celery import app

    messages = []

    def send(self, args=None, kwargs=None, **options):
        messages.append((args, options))
        return self.AsyncResult(options.get("task_id") or "generated-id")

    monkeypatch.setattr(Task, "apply_async", send)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    yield messages
    app.conf.task_always_eager = eager


def test_fire_and_forget_asks_send_one_message_for_the_run_and_answer_with_its_result(sent):
    from scoring.tasks import application_scores_recompute

    first = application_scores_recompute.apply_async((11,), ignore_result=True)
    second = application_scores_recompute.apply_async((12,), ignore_result=True)

    assert len(sent) == 1
    args, options = sent[0]
    assert (args, options["countdown"], options["task_id"]) == ((11,), 0, first.id)
    assert second.id == first.id  # the run that takes 12 too


def test_a_caller_waiting_for_the_result_and_a_retry_get_runs_of_their_own(sent):
    from scoring.tasks import application_scores_recompute

    application_scores_recompute.apply_async((11,), ignore_result=True)
    application_scores_recompute.delay(12)
    application_scores_recompute.apply_async((13,), task_id="retried-run", ignore_result=True)

    assert [(args, options.get("task_id")) for args, options in sent[1:]] == [
        ((12,), None),
        ((13,), "retried-run"),
    ]


def test_a_message_the_broker_refuses_leaves_no_schedule_behind(sent, monkeypatch):
    from celery.app.task import Task

    from scoring.tasks import application_scores_recompute

    def refuse(self, *args, **options):
        raise ConnectionError("broker down")

    with monkeypatch.context() as refusing:
        refusing.setattr(Task, "apply_async", refuse)
        with pytest.raises(ConnectionError):
            application_scores_recompute.apply_async((11,), ignore_result=True)

    application_scores_recompute.apply_async((12,), ignore_result=True)
    assert [args for args, _ in sent] == [(12,)]


def stored(application_ids):
    scores = stored_fits(application_id__in=application_ids)
    states = sorted(
        ApplicationScoreState.objects.filter(application_id__in=application_ids).values_list(
            "application_id", "estimates", "inputs_at"
        )
    )
    return scores, states


def timeless(item):
    """A resource without its moments of computation, which differ from run to run."""
    if isinstance(item, dict):
        return {key: timeless(value) for key, value in item.items() if key != "computed_at"}
    if isinstance(item, list):
        return [timeless(value) for value in item]
    return item


def event_items(application_ids):
    """The newest fit_scores.updated event's resource per application, without its moments."""
    items = {}
    for resource in (
        Event.objects.filter(type="fit_scores.updated").order_by("pk").values_list("resource", flat=True)
    ):
        if resource.get("application") in application_ids:
            items[resource["application"]] = timeless(resource)
    return items


@pytest.fixture
def two_openings(scored_opening):
    """Applications of two openings for different roles, scored; their ids."""
    _, first, *_ = scored_opening(4)
    _, second, *_ = scored_opening(3, role="data_scientist")
    return [application.pk for application in first + second]


def test_recomputing_applications_together_gives_what_recomputing_each_alone_gives(two_openings):
    for application_id in two_openings:
        assert services.application_recompute(application_id=application_id)
    alone, alone_events = stored(two_openings), event_items(two_openings)
    FitScore.objects.all().delete()
    ApplicationScoreState.objects.all().delete()
    Event.objects.all().delete()

    assert services.applications_recompute(application_ids=two_openings) == len(two_openings)

    assert stored(two_openings) == alone
    assert len(alone[0]) == 3 * len(two_openings)
    # One event per application, carrying the same item as a recompute alone.
    assert Event.objects.filter(type="fit_scores.updated").count() == len(two_openings)
    assert event_items(two_openings) == alone_events


def test_gone_applications_are_skipped_and_not_counted(two_openings):
    assert services.applications_recompute(application_ids=[*two_openings, 987654]) == len(two_openings)
    assert services.applications_recompute(application_ids=[987654]) == 0


def test_a_batch_larger_than_the_limit_is_refused():
    with pytest.raises(ValueError, match="At most"):
        services.applications_recompute(application_ids=range(1, services.RECOMPUTE_BATCH + 2))


def test_a_batch_of_one_opening_takes_the_same_queries_whatever_its_size(
    scored_opening, django_assert_num_queries
):
    _, applications, *_ = scored_opening(6)
    ids = [application.pk for application in applications]

    # A single recompute's 7 (see test_recompute_queries), and the read that groups the ids by opening.
    for batch in (ids[:2], ids):
        with django_assert_num_queries(8):
            assert services.applications_recompute(application_ids=batch) == len(batch)


def test_each_application_of_a_batch_is_delivered_to_every_listening_subscriber_of_either_source(
    scored_opening, token_client
):
    _, applications, *_ = scored_opening(3)
    ids = [application.pk for application in applications]
    subscriptions = [
        WebhookSubscription.objects.create(
            token=token_client(["scores:read"], source=source, name=f"{source} ATS").token,
            url=f"https://hooks.example.com/{source}",
            events=["fit_scores.updated"],
            secret="s",
        )
        for source in ("greenhouse", "lever")
    ]
    WebhookSubscription.objects.create(  # listens for something else: gets nothing
        token=token_client(["decisions:read"], source="lever", name="Decisions only").token,
        url="https://hooks.example.com/decisions",
        events=["decision.recorded"],
        secret="s",
    )
    Event.objects.all().delete()

    services.applications_recompute(application_ids=ids)

    events = list(Event.objects.filter(type="fit_scores.updated"))
    assert sorted(event.resource["application"] for event in events) == ids
    deliveries = sorted(WebhookDelivery.objects.values_list("event_id", "subscription_id"))
    assert deliveries == sorted((event.pk, s.pk) for event in events for s in subscriptions)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_busy_second_s_scorecards_send_one_message_and_one_run_recomputes_them_all(scored_opening):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app, enqueue_on_commit

    app.conf.task_always_eager = True  # scored in-process, no messages left for the worker
    try:
        _, applications, *_ = scored_opening(5)
    finally:
        app.conf.task_always_eager = False
    ids = [application.pk for application in applications]
    FitScore.objects.all().delete()
    ApplicationScoreState.objects.all().delete()
    Event.objects.all().delete()
    broker = coalescing._client()
    queued = broker.llen("celery")

    # Five scorecards' recomputes asked for, as submits ask (on commit, fire and forget).
    for application_id in ids:
        with transaction.atomic():
            enqueue_on_commit("scoring.application_scores_recompute", application_id)

    assert broker.llen("celery") == queued + 1
    app.loader.import_module("celery.contrib.testing.tasks")
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=10):
        wait_for(lambda: FitScore.objects.filter(application_id__in=ids).count() == 3 * len(ids))
    assert services.applications_stale(opening_id=applications[0].opening_id) == []
    # One run, one transaction: the same moment for all; and one event per application.
    assert (
        ApplicationScoreState.objects.filter(application_id__in=ids).values("computed_at").distinct().count()
        == 1
    )
    assert Event.objects.filter(type="fit_scores.updated").count() == len(ids)
