"""factory-boy factories for every model. Rubric content comes from the shipped rubric file."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from assessments.models import Rating, Role, RubricVersion, Scorecard
from assessments.selectors import rubric_version_current
from assessments.services import rubric_files, rubric_load
from hiring.models import Application, Assignment, Candidate, Interview, Opening


def current_rubric_version() -> RubricVersion:
    version = rubric_version_current()
    if version is None:  # a transactional test flushed the database
        for path in rubric_files():
            rubric_load(path=path)
        version = rubric_version_current()
    return version


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-only")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in extracted])
        if create:
            self.save()


class OpeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opening
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Data role {n}")
    rubric_version = factory.LazyFunction(current_rubric_version)
    role = factory.LazyFunction(lambda: Role.objects.get(key="data_scientist"))

    @factory.post_generation
    def committee(self, create, extracted, **kwargs):
        if create and extracted:
            self.committee.set(extracted)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.com")


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    opening = factory.SubFactory(OpeningFactory)
    stage = Application.Stage.INTERVIEWING


class InterviewFactory(factory.django.DjangoModelFactory):
    """An interview; ``focus`` takes area keys (default: three areas), ``interviewers`` users."""

    class Meta:
        model = Interview
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    kind = Interview.Kind.TECHNICAL
    scheduled_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=3))
    duration_minutes = 60

    @factory.post_generation
    def focus(self, create, extracted, **kwargs):
        if not create:
            return
        keys = extracted or ["software_engineering", "statistics_experimentation", "communication"]
        self.focus_areas.set(self.application.opening.rubric_version.areas.filter(key__in=keys))

    @factory.post_generation
    def interviewers(self, create, extracted, **kwargs):
        if create and extracted:
            for user in extracted:
                Assignment.objects.create(interview=self, interviewer=user)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    interview = factory.SubFactory(InterviewFactory)
    interviewer = factory.SubFactory(UserFactory, groups=["interviewer"])


class ScorecardFactory(factory.django.DjangoModelFactory):
    """A draft scorecard row; use the services to submit (they keep history and invariants)."""

    class Meta:
        model = Scorecard

    interview = factory.SubFactory(InterviewFactory)
    interviewer = factory.SubFactory(UserFactory)
    rubric_version = factory.LazyAttribute(lambda s: s.interview.application.opening.rubric_version)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    scorecard = factory.SubFactory(ScorecardFactory)
    area = factory.LazyAttribute(lambda r: r.scorecard.interview.focus_areas.order_by("order").first())
    level = 3
