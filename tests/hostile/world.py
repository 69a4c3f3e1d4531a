"""The hostile sweeps' world, the API schema read in process, and a fingerprint of every domain table.

The world: two openings, each with its own committee member; interviewer A has
submitted a scorecard on an application of opening one, interviewer B on an
application of opening two. Scores are computed and a shortlist built for each
opening, each application has a decision, and two tokens each own a webhook
subscription with a pending delivery. Each token's source (greenhouse, lever)
has an interviewer identity and an attribute mapping. The Data Scientist exercise was sent to both
applications, by Greenhouse to application one (graded, its report flagging application two's as a
copy) and by Lever to application two. Everything belonging to opening two, or to
B, carries a ``FOREIGN`` marker in its text so a leak shows up in any answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone

FOREIGN = "FOREIGNMARKER"
AREAS = ["software_engineering", "statistics_experimentation", "communication"]


@cache
def api_schema() -> dict:
    """The OpenAPI document /api/schema/ serves, generated in process."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def api_operations() -> list[tuple[str, str, dict]]:
    """(METHOD, path template, operation) for every operation in the schema."""
    return [
        (method.upper(), path, operation)
        for path, operations in api_schema()["paths"].items()
        for method, operation in operations.items()
    ]


# The tables a request may write: every table of the four apps, except the bookkeeping
# that legitimately changes on refused requests (idempotency claims, the audit log, a
# token's last-used time).
_NOT_DOMAIN = {"integrations_idempotencyrecord", "integrations_auditevent", "integrations_integrationtoken"}


def _domain_tables() -> list[str]:
    from django.apps import apps

    tables = []
    for label in ("hiring", "assessments", "scoring", "takehomes", "integrations"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in _NOT_DOMAIN and not model._meta.proxy:
                tables.append(table)
    return sorted(set(tables))


def tables_fingerprint() -> dict[str, str]:
    """Row count and an md5 of every row of every domain table, in one query: any write changes it."""
    tables = _domain_tables()
    row_digest = "count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
    # Table names come from the models, never from input.
    parts = ", ".join(f'(SELECT {row_digest} FROM "{table}" t)' for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def fingerprint_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table in before if before[table] != after[table])


@dataclass
class World:
    opening_one: object
    opening_two: object
    committee_one: object
    committee_two: object
    interviewer_a: object
    interviewer_b: object
    recruiter: object
    application_one: object
    application_two: object
    interview_one: object
    interview_two: object
    scorecard_a: object
    scorecard_b: object
    shortlist_one: object
    shortlist_two: object
    decision_one: object
    decision_two: object
    token: object  # every scope
    token_secret: str
    other_token: object
    subscription_own: object
    subscription_other: object
    delivery_own: object
    delivery_other: object
    revoked_secret: str
    interview_open: object  # A is assigned and has no scorecard yet
    spare_candidate: object  # applied nowhere
    lever_secret: str  # a token of another source, with every scope
    identity_own: object  # A's Greenhouse id
    identity_other: object  # B's id in the other token's source (lever)
    mapping_own: object  # a Greenhouse attribute mapping
    mapping_other: object  # a mapping of the other token's source (lever)
    exercise: object  # the published Data Scientist exercise
    take_home_own: object  # application one's, sent by Greenhouse, graded
    take_home_other: object  # application two's, sent by Lever


def world_build(capture_on_commit) -> World:
    """Build the world; ``capture_on_commit`` is pytest-django's ``django_capture_on_commit_callbacks``."""
    from assessments.models import AttributeMapping
    from assessments.services import RatingInput, scorecard_save_draft, scorecard_submit
    from hiring.models import InterviewerIdentity
    from hiring.services import decision_record
    from integrations.models import Event, WebhookDelivery
    from integrations.scopes import ALL_SCOPES
    from integrations.services import token_create, token_revoke
    from integrations.webhooks import webhook_subscription_create
    from scoring.models import Shortlist
    from scoring.shortlists import shortlist_create
    from takehomes.demo import demo_exercises_ensure
    from takehomes.models import GradingReport, TakeHome
    from takehomes.services import take_home_send
    from tests.factories import (
        ApplicationFactory,
        CandidateFactory,
        InterviewFactory,
        OpeningFactory,
        UserFactory,
    )

    committee_one = UserFactory(username="cora_committee_one", groups=["hiring committee"])
    committee_two = UserFactory(username="cato_committee_two", groups=["hiring committee"])
    interviewer_a = UserFactory(username="anna_interviewer_a", groups=["interviewer"])
    interviewer_b = UserFactory(username="bert_interviewer_b", groups=["interviewer"])
    recruiter = UserFactory(username="rhea_recruiter", groups=["recruiter"])
    # Opening one's records came from Greenhouse (the full token's source); opening two's were made
    # in the web app ("manual"), which no token may write unless it shares that source.
    opening_one = OpeningFactory(title="Opening one", committee=[committee_one], source="greenhouse")
    opening_two = OpeningFactory(title=f"Opening two {FOREIGN}", committee=[committee_two])
    application_one = ApplicationFactory(
        opening=opening_one,
        candidate=CandidateFactory(
            name="Own Candidate", email="own-candidate@example.com", source="greenhouse"
        ),
        source="greenhouse",
        external_id="gh-app-own",
    )
    application_two = ApplicationFactory(
        opening=opening_two,
        candidate=CandidateFactory(
            name=f"Foreign {FOREIGN}", email="foreignmarker@example.com", notes=FOREIGN
        ),
    )
    interview_one = InterviewFactory(application=application_one, focus=AREAS, interviewers=[interviewer_a])
    interview_two = InterviewFactory(application=application_two, focus=AREAS, interviewers=[interviewer_b])
    interview_open = InterviewFactory(
        application=application_one, kind="system_design", focus=AREAS, interviewers=[interviewer_a]
    )
    mapping_own = AttributeMapping.objects.create(
        source="greenhouse", attribute_name="Code quality", area_key="software_engineering"
    )
    mapping_other = AttributeMapping.objects.create(
        source="lever", attribute_name=f"Lever {FOREIGN}", area_key="communication"
    )
    identity_own = InterviewerIdentity.objects.create(
        user=interviewer_a, source="greenhouse", external_id="gh-a"
    )
    identity_other = InterviewerIdentity.objects.create(
        user=interviewer_b, source="lever", external_id=f"lever-{FOREIGN}"
    )

    def submit(interview, user, summary):
        draft = scorecard_save_draft(
            interview=interview,
            user=user,
            recommendation="yes",
            summary=summary,
            ratings=[RatingInput(key, 3, evidence=f"evidence {summary}") for key in AREAS],
        )
        return scorecard_submit(scorecard=draft, user=user)

    with capture_on_commit(execute=True):  # scores are computed on commit
        scorecard_a = submit(interview_one, interviewer_a, "Summary by A")
        scorecard_b = submit(interview_two, interviewer_b, f"Summary by B {FOREIGN}")
    with capture_on_commit(execute=True):  # shortlists are built on commit
        shortlist_one = shortlist_create(opening=opening_one)
        shortlist_two = shortlist_create(opening=opening_two)
    shortlist_one.refresh_from_db()
    shortlist_two.refresh_from_db()
    assert shortlist_one.status == shortlist_two.status == Shortlist.Status.READY

    token, token_secret = token_create(name="Full ATS", source="greenhouse", scopes=sorted(ALL_SCOPES))
    other_token, _ = token_create(
        name="Other ATS", source="lever", scopes=["webhooks:manage", "decisions:read"]
    )
    # Another ATS with every scope: it may write nothing of Greenhouse's.
    _, lever_secret = token_create(name="Lever ATS", source="lever", scopes=sorted(ALL_SCOPES))
    revoked, revoked_secret = token_create(name="Revoked ATS", source="greenhouse", scopes=sorted(ALL_SCOPES))
    token_revoke(token=revoked)
    subscription_own, _ = webhook_subscription_create(
        token=token, url="http://127.0.0.1:9/own-hook", events=["decision.recorded"]
    )
    subscription_other, _ = webhook_subscription_create(
        token=other_token, url=f"http://127.0.0.1:9/{FOREIGN}", events=["decision.recorded"]
    )
    # Outside any captured commit: the deliveries are recorded and never sent.
    decision_one = decision_record(
        application=application_one, outcome="advance", rationale="Own rationale", actor=recruiter
    )
    decision_two = decision_record(
        application=application_two, outcome="hold", rationale=f"Rationale {FOREIGN}", actor=recruiter
    )
    assert Event.objects.exists()
    exercise = demo_exercises_ensure()["data_scientist"]
    # Outside any captured commit: the invitations are never mailed.
    take_home_own, _ = take_home_send(application=application_one, exercise=exercise, source="greenhouse")
    take_home_other, _ = take_home_send(application=application_two, exercise=exercise, source="lever")
    TakeHome.objects.filter(pk=take_home_own.pk).update(
        status=TakeHome.Status.GRADED, graded_at=timezone.now()
    )
    GradingReport.objects.create(
        take_home=take_home_own,
        status=GradingReport.Status.GRADED,
        metrics={"f1": {"value": 0.93, "lower": 0.9, "upper": 0.96}},
        flags=[
            {
                "kind": "identical_predictions",
                "take_home": take_home_other.pk,
                "candidate": f"Foreign {FOREIGN}",
            }
        ],
        graded_at=timezone.now(),
    )
    return World(
        opening_one=opening_one,
        opening_two=opening_two,
        committee_one=committee_one,
        committee_two=committee_two,
        interviewer_a=interviewer_a,
        interviewer_b=interviewer_b,
        recruiter=recruiter,
        application_one=application_one,
        application_two=application_two,
        interview_one=interview_one,
        interview_two=interview_two,
        scorecard_a=scorecard_a,
        scorecard_b=scorecard_b,
        shortlist_one=shortlist_one,
        shortlist_two=shortlist_two,
        decision_one=decision_one,
        decision_two=decision_two,
        token=token,
        token_secret=token_secret,
        other_token=other_token,
        subscription_own=subscription_own,
        subscription_other=subscription_other,
        delivery_own=WebhookDelivery.objects.filter(subscription=subscription_own).first(),
        delivery_other=WebhookDelivery.objects.filter(subscription=subscription_other).first(),
        revoked_secret=revoked_secret,
        interview_open=interview_open,
        spare_candidate=CandidateFactory(
            name="Spare Candidate", email="spare@example.com", source="greenhouse"
        ),
        lever_secret=lever_secret,
        identity_own=identity_own,
        identity_other=identity_other,
        mapping_own=mapping_own,
        mapping_other=mapping_other,
        exercise=exercise,
        take_home_own=take_home_own,
        take_home_other=take_home_other,
    )
