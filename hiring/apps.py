from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def _role_groups_after_migrate(sender, *, apps=global_apps, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After every ``migrate`` (and ``flush``): the role groups exist, recruiters hold their permissions.

    ``migrate`` sends the migrated state as ``apps``; ``flush`` sends none (the installed apps).
    """
    from django.contrib.auth.management import create_permissions

    from hiring import roles

    try:
        group_model, permission_model = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    except LookupError:  # migrated to before auth exists
        return
    for label in roles.RECRUITER_APP_LABELS:
        # Permissions are made per app by post_migrate too, and the later apps' have not been yet.
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
    roles.groups_ensure(group_model=group_model, permission_model=permission_model)


class HiringConfig(AppConfig):
    name = "hiring"
    verbose_name = "Hiring"

    def ready(self) -> None:
        post_migrate.connect(_role_groups_after_migrate, sender=self, dispatch_uid="hiring.role_groups")
