"""The admin names every model in good English: no "Interviewer identitys"."""

import re

import pytest
from django.apps import apps

PROJECT_APPS = ("hiring", "assessments", "scoring", "integrations")
MODELS = [model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models()]


def english_plural(noun: str) -> str:
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


@pytest.mark.parametrize("model", MODELS, ids=[model._meta.label for model in MODELS])
def test_every_model_has_a_correct_plural_name(model):
    last_word = str(model._meta.verbose_name).split()[-1]

    assert str(model._meta.verbose_name_plural).split()[-1] == english_plural(last_word)


@pytest.mark.parametrize(
    ("label", "plural"),
    [
        ("hiring.InterviewerIdentity", "interviewer identities"),
        ("scoring.AreaReliability", "area reliabilities"),
        ("scoring.ShortlistEntry", "shortlist entries"),
        ("assessments.ProfileEntry", "profile entries"),
        ("integrations.WebhookDelivery", "webhook deliveries"),
    ],
)
def test_the_models_ending_in_y_read_as_plurals(label, plural):
    assert apps.get_model(label)._meta.verbose_name_plural == plural
