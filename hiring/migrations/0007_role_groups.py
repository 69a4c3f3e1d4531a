"""The interviewer, hiring committee and recruiter groups, so a fresh database has them without the demo.

Permissions are created by ``post_migrate``, after every migration has run, so
on a fresh database they do not exist yet here: ``create_permissions`` makes
them for the recruiter's apps first. ``hiring.apps`` runs the same
``groups_ensure`` after every ``migrate``, for models added later.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from hiring import roles


def role_groups_create(apps, schema_editor):
    alias = schema_editor.connection.alias
    for label in roles.RECRUITER_APP_LABELS:
        # The installed app config (its models module is loaded); create_permissions reads the
        # historical models through ``apps``.
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=alias, apps=apps)
    roles.groups_ensure(
        group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("hiring", "0006_opening_interview_external_ids"),
        ("assessments", "0004_attributemapping"),
        ("scoring", "0006_measurement_model"),
    ]

    # Reversing keeps the groups: people may belong to them.
    operations = [migrations.RunPython(role_groups_create, migrations.RunPython.noop)]
