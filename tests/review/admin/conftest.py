"""Rows for every model the admin shows: ``make_rows(model, n)`` adds ``n`` rows, each with related
objects of its own, so a page that queried per row would show it in its query count."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils import timezone

from assessments.models import (
    AttributeMapping,
    Role,
    RoleProfile,
    Rubric,
    RubricVersion,
    Scorecard,
    ScorecardRevision,
    SkillArea,
)
from hiring.models import Application, Candidate, Decision, Interview, InterviewerIdentity, Opening
from integrations.models import (
    AuditEvent,
    Event,
    IdempotencyRecord,
    IntegrationToken,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookSubscription,
)
from integrations.services import token_create
from scoring.models import AreaReliability, Calibration, FitScore, InterviewerOffset, Shortlist
from takehomes.models import (
    Exercise,
    GradingReport,
    PartnerCallback,
    PartnerCallbackAttempt,
    PartnerKey,
    PartnerResponseError,
    PartnerTestOrder,
    TakeHome,
    token_new,
)
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    InterviewFactory,
    OpeningFactory,
    RatingFactory,
    ScorecardFactory,
    UserFactory,
    current_rubric_version,
)
from tests.scoring.conftest import scored_opening  # noqa: F401  (a fixture, used here too)

_serial = itertools.count(1)


def _uid() -> int:
    return next(_serial)


def _user():
    return UserFactory(username=f"admin_rows_user_{_uid()}")


def _role(key: str = "data_scientist") -> Role:
    return Role.objects.get(key=key)


def _version() -> RubricVersion:
    """A version of a rubric of its own."""
    uid = _uid()
    rubric = Rubric.objects.create(key=f"extra-rubric-{uid}", name=f"Extra rubric {uid}")
    return RubricVersion.objects.create(
        rubric=rubric, number=1, name=f"Extra rubric {uid}", scale={}, content_hash="", created_by=_user()
    )


def _token() -> IntegrationToken:
    token, _secret = token_create(
        name=f"ATS {_uid()}", source="greenhouse", scopes=["candidates:read"], created_by=_user()
    )
    return token


def _event() -> Event:
    return Event.objects.create(type="decision.recorded", occurred_at=timezone.now(), resource={})


def _subscription() -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        token=_token(), url=f"https://hooks.example.com/{_uid()}", events=["decision.recorded"], secret="s"
    )


def make_opening():
    opening = OpeningFactory(title=f"Opening {_uid()}")
    ApplicationFactory(opening=opening)
    return opening


def make_scorecard():
    interviewer = _user()
    scorecard = ScorecardFactory(
        interview=InterviewFactory(interviewers=[interviewer]),
        interviewer=interviewer,
        status=Scorecard.Status.SUBMITTED,
        recommendation="yes",
        revision=1,
        submitted_at=timezone.now(),
    )
    RatingFactory(scorecard=scorecard)
    ScorecardRevision.objects.create(
        scorecard=scorecard,
        number=1,
        recommendation="yes",
        ratings=[],
        created_by=interviewer,
        created_at=timezone.now(),
    )
    return scorecard


def make_shortlist():
    opening = OpeningFactory(title=f"Opening {_uid()}")
    shortlist = Shortlist.objects.create(
        opening=opening, role=_role(), status=Shortlist.Status.READY, entry_count=1, created_by=_user()
    )
    shortlist.entries.create(
        rank=1, application=ApplicationFactory(opening=opening), fit=60, coverage=1, consider_role=_role()
    )
    return shortlist


def make_delivery():
    delivery = WebhookDelivery.objects.create(
        subscription=_subscription(), event=_event(), next_attempt_at=timezone.now()
    )
    WebhookDeliveryAttempt.objects.create(
        delivery=delivery, number=1, attempted_at=timezone.now(), status_code=503, duration_ms=12
    )
    return delivery


def _now():
    return timezone.now()


def make_exercise() -> Exercise:
    """A small published exercise of its own (files of a few bytes: the admin lists, never reads them)."""
    from django.core.files.base import ContentFile

    uid = _uid()
    exercise = Exercise(
        key=f"exercise-{uid}",
        role=_role(),
        title=f"Exercise {uid}",
        brief="Predict the label.",
        classes=["yes", "no"],
        positive_class="yes",
        published_at=_now(),
    )
    for name, text in (
        ("train_file", "x,label\n1,yes\n"),
        ("test_features_file", "row_id,x\nr1,1\n"),
        ("test_labels_file", "row_id,label\nr1,yes\n"),
    ):
        getattr(exercise, name).save(f"{name}.csv", ContentFile(text.encode()), save=False)
    exercise.save()
    return exercise


def make_take_home() -> TakeHome:
    return TakeHome.objects.create(
        application=ApplicationFactory(opening=OpeningFactory(title=f"O {_uid()}")),
        exercise=make_exercise(),
        token_hash=token_new()[1],
        expires_at=_now(),
        sent_by=_user(),
    )


def make_grading_report() -> GradingReport:
    return GradingReport.objects.create(
        take_home=make_take_home(), status=GradingReport.Status.GRADED, graded_at=_now(), metrics={"rows": 1}
    )


def make_partner_key() -> PartnerKey:
    from takehomes.partners.services import partner_key_create

    key, _ = partner_key_create(name=f"Greenhouse {_uid()}", source="greenhouse", created_by=_user())
    return key


def make_partner_order() -> PartnerTestOrder:
    take_home = make_take_home()
    return PartnerTestOrder.objects.create(
        key=make_partner_key(),
        protocol="greenhouse",
        source="greenhouse",
        partner_interview_id=f"pi-{_uid()}",
        take_home=take_home,
        partner_test_id=str(take_home.exercise_id),
        callback_url="https://app.greenhouse.io/integrations/testing_partners/take_home_tests/1",
    )


def make_partner_callback() -> PartnerCallback:
    order = make_partner_order()
    callback = PartnerCallback.objects.create(order=order, url=order.callback_url, next_attempt_at=_now())
    PartnerCallbackAttempt.objects.create(
        callback=callback, number=1, attempted_at=_now(), status_code=503, duration_ms=12
    )
    return callback


def make_partner_response_error() -> PartnerResponseError:
    order = make_partner_order()
    return PartnerResponseError.objects.create(
        key=order.key,
        protocol="greenhouse",
        source="greenhouse",
        api_call="test_status",
        errors=["partner_score must be a number"],
        partner_interview_id=order.partner_interview_id,
        order=order,
    )


MAKERS: dict[type[models.Model], Callable[[], models.Model]] = {
    # Django's own
    Group: lambda: Group.objects.create(name=f"group {_uid()}"),
    # hiring
    Opening: make_opening,
    Candidate: lambda: CandidateFactory(external_id=f"ext-{_uid()}", source="greenhouse"),
    Application: lambda: ApplicationFactory(opening=OpeningFactory(title=f"O {_uid()}")),
    Interview: lambda: InterviewFactory(interviewers=[_user()]),
    Decision: lambda: Decision.objects.create(
        application=ApplicationFactory(),
        outcome="advance",
        rationale="Strong evidence.",
        decided_by=_user(),
        decided_by_label="someone",
    ),
    InterviewerIdentity: lambda: InterviewerIdentity.objects.create(
        user=_user(), source="greenhouse", external_id=f"gh-{_uid()}"
    ),
    # assessments
    Role: lambda: Role.objects.create(key=f"extra_role_{(uid := _uid())}", name=f"Role {uid}", order=uid),
    Rubric: lambda: Rubric.objects.create(key=f"rubric-{(uid := _uid())}", name=f"Rubric {uid}"),
    RubricVersion: _version,
    SkillArea: lambda: SkillArea.objects.create(
        version=_version(), key=f"area-{(uid := _uid())}", name=f"Area {uid}", description=""
    ),
    RoleProfile: lambda: RoleProfile.objects.create(
        version=_version(), role=Role.objects.create(key=f"profile_role_{(uid := _uid())}", name=f"R {uid}")
    ),
    Scorecard: make_scorecard,
    AttributeMapping: lambda: AttributeMapping.objects.create(
        source="greenhouse", attribute_name=f"Attribute {_uid()}", area_key="communication"
    ),
    # scoring
    FitScore: lambda: FitScore.objects.create(
        application=ApplicationFactory(),
        role=_role(),
        fit=60,
        lower=50,
        upper=70,
        standard_error=5,
        coverage=1,
        consider_role=_role("ml_engineer"),
        computed_at=_now(),
    ),
    InterviewerOffset: lambda: InterviewerOffset.objects.create(
        rubric=current_rubric_version().rubric,
        interviewer=_user(),
        offset=0.2,
        standard_error=0.1,
        n_ratings=6,
        computed_at=_now(),
    ),
    AreaReliability: lambda: AreaReliability.objects.create(
        opening=OpeningFactory(),
        area=SkillArea.objects.create(
            version=current_rubric_version(), key=f"area-{(uid := _uid())}", name=f"A {uid}", description=""
        ),
        alpha=0.7,
        n_units=5,
        n_ratings=10,
        n_raters=2,
        reading="acceptable",
        computed_at=_now(),
    ),
    Calibration: lambda: Calibration.objects.create(
        rubric=Rubric.objects.create(key=f"rubric-{(uid := _uid())}", name=f"Rubric {uid}"),
        general_sd=0.5,
        severity_sd=0.3,
        covariance=b"",
        n_ratings=10,
        n_interviewers=2,
        n_applications=5,
        computed_at=_now(),
    ),
    Shortlist: make_shortlist,
    # takehomes
    Exercise: make_exercise,
    TakeHome: make_take_home,
    GradingReport: make_grading_report,
    PartnerKey: make_partner_key,
    PartnerTestOrder: make_partner_order,
    PartnerCallback: make_partner_callback,
    PartnerResponseError: make_partner_response_error,
    # integrations
    IntegrationToken: _token,
    Event: _event,
    WebhookSubscription: _subscription,
    WebhookDelivery: make_delivery,
    IdempotencyRecord: lambda: IdempotencyRecord.objects.create(
        owner=f"user:{(uid := _uid())}", key=f"key-{uid}", method="POST", path="/api/v1/x", body_hash="h"
    ),
    AuditEvent: lambda: AuditEvent.objects.create(
        occurred_at=_now(),
        action="token.revoked",
        actor_user=_user(),
        actor_label="someone",
        target_type="token",
        target_id=str(_uid()),
    ),
}


def _maker(model: type[models.Model]) -> Callable[[], models.Model]:
    if model in MAKERS:
        return MAKERS[model]
    if model._meta.label == "auth.User":
        return _user
    if model._meta.label == "hiring.DemographicResponse":  # the demographics part's model
        return lambda: model.objects.create(candidate=CandidateFactory(), consented_at=_now(), source="form")
    raise LookupError(f"tests/review/admin/conftest.py has no rows maker for {model._meta.label}: add one.")


def registered_models() -> list[type[models.Model]]:
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def make_rows(rubric_version):
    """``make_rows(model, n)``: add ``n`` rows of ``model`` (with what they need); returns the last."""

    def make(model: type[models.Model], n: int = 1):
        maker = _maker(model)
        row = None
        for _ in range(n):
            row = maker()
        return row

    return make


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


RECRUITER_APP_LABELS = ("hiring", "assessments", "scoring", "integrations")


@pytest.fixture
def recruiter_staff(recruiter):
    """The recruiter as ``seed_demo`` makes them: staff, in a group holding the permissions of the
    hiring, assessments, scoring and integrations apps (``RECRUITER_APP_LABELS`` there)."""
    from config.management.commands.seed_demo import RECRUITER_APP_LABELS as seeded

    assert tuple(seeded) == RECRUITER_APP_LABELS
    group = Group.objects.get(name="recruiter")
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=RECRUITER_APP_LABELS))
    recruiter.is_staff = True
    recruiter.save(update_fields=["is_staff"])
    return recruiter
