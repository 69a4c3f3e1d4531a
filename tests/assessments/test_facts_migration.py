"""Facts stored with one ``source`` before facts had a basis read as the pages now expect them."""

import importlib

import pytest
from django.apps import apps

from assessments.models import RoleProfile

pytestmark = pytest.mark.django_db

migration = importlib.import_module("assessments.migrations.0005_role_facts_sources")

QUOTED = {"document": "comparison", "statement": "Data $130k - $220k"}
SILENT = {"document": "none", "reasoning": "Neither document says."}
REASONED = {"document": "comparison", "statement": "Data $130k - $220k", "reasoning": "We combine."}


@pytest.mark.parametrize(
    ("source", "basis"), [(QUOTED, "documents"), (SILENT, "inference"), (REASONED, "inference")]
)
def test_an_old_fact_gets_a_list_of_one_source_and_the_basis_its_source_shows(rubric_version, source, basis):
    profile = rubric_version.profiles.first()
    RoleProfile.objects.filter(pk=profile.pk).update(
        facts=[{"kind": "tools", "label": "Tools", "value": "Python", "source": source}]
    )

    migration.forward(apps, None)

    profile.refresh_from_db()
    assert profile.facts == [
        {"kind": "tools", "label": "Tools", "value": "Python", "basis": basis, "sources": [source]}
    ]


def test_facts_already_in_the_new_shape_are_left_alone(rubric_version):
    before = {profile.pk: profile.facts for profile in RoleProfile.objects.all()}

    migration.forward(apps, None)

    assert {profile.pk: profile.facts for profile in RoleProfile.objects.all()} == before
