"""The role groups exist after ``migrate``, with their permissions, without the demo."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from hiring import roles

pytestmark = pytest.mark.django_db

RECRUITER_APPS = {"hiring", "assessments", "scoring", "integrations"}


def _admin_permissions() -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(
            content_type__app_label__in=RECRUITER_APPS
        ).values_list("content_type__app_label", "codename")
    }


def _held_by(name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_migrated_database_has_the_three_groups_with_the_demo_s_permissions():
    assert set(Group.objects.filter(name__in=roles.GROUPS).values_list("name", flat=True)) == {
        "interviewer",
        "hiring committee",
        "recruiter",
    }
    # The recruiter manages the hiring, assessment and scoring records in the admin, e.g.:
    assert {"hiring.change_candidate", "assessments.add_attributemapping", "scoring.view_fitscore"} <= (
        _held_by("recruiter")
    )
    assert _held_by("recruiter") == _admin_permissions()
    assert _held_by("interviewer") == _held_by("hiring committee") == set()


def test_the_migration_creates_groups_and_permissions_that_do_not_exist_yet():
    # As on a fresh database, where post_migrate has not made any permission yet when migrations run.
    Group.objects.filter(name__in=roles.GROUPS).delete()
    Permission.objects.filter(content_type__app_label__in=RECRUITER_APPS).delete()
    migration = importlib.import_module("hiring.migrations.0007_role_groups")

    migration.role_groups_create(apps, SimpleNamespace(connection=connection))

    assert Group.objects.filter(name__in=roles.GROUPS).count() == 3
    assert "hiring.add_intervieweridentity" in _held_by("recruiter")
    assert _held_by("recruiter") == _admin_permissions()


def test_every_migrate_and_flush_restores_the_groups_and_the_recruiter_s_permissions():
    recruiter = Group.objects.get(name="recruiter")
    recruiter.permissions.remove(*Permission.objects.filter(content_type__app_label="scoring"))
    Group.objects.filter(name="interviewer").delete()

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    assert Group.objects.filter(name="interviewer").exists()
    assert _held_by("recruiter") == _admin_permissions()


def test_the_demo_reuses_the_groups_migrate_made():
    from config.management.commands.seed_demo import demo_users_ensure

    before = dict(Group.objects.filter(name__in=roles.GROUPS).values_list("name", "pk"))

    users = demo_users_ensure()

    assert dict(Group.objects.filter(name__in=roles.GROUPS).values_list("name", "pk")) == before
    assert users["rita"].groups.get().pk == before["recruiter"]
