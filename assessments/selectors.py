"""Reads for rubrics, with the joins their callers need."""

from django.db.models import Prefetch, QuerySet

from assessments.models import ProfileEntry, Role, RoleProfile, RubricVersion, SkillArea

DEFAULT_RUBRIC = "data_roles"


def rubric_version_list() -> QuerySet[RubricVersion]:
    return RubricVersion.objects.select_related("rubric").order_by("rubric__key", "-number")


def rubric_version_detail_queryset() -> QuerySet[RubricVersion]:
    """Versions with areas, anchors, profiles and entries prefetched (a fixed number of queries)."""
    return RubricVersion.objects.select_related("rubric").prefetch_related(
        Prefetch("areas", queryset=SkillArea.objects.order_by("order").prefetch_related("anchors")),
        Prefetch(
            "profiles",
            queryset=RoleProfile.objects.select_related("role").prefetch_related(
                Prefetch(
                    "entries", queryset=ProfileEntry.objects.select_related("area").order_by("area__order")
                )
            ),
        ),
    )


def rubric_version_current(*, rubric_key: str = DEFAULT_RUBRIC) -> RubricVersion | None:
    """The newest version of a rubric, fully prefetched, or None when none is loaded."""
    return rubric_version_detail_queryset().filter(rubric__key=rubric_key).order_by("-number").first()


def role_list() -> QuerySet[Role]:
    return Role.objects.order_by("order", "key")


def role_profile_current(*, role: Role, rubric_key: str = DEFAULT_RUBRIC) -> RoleProfile | None:
    """A role's profile in the newest rubric version, with entries and their areas and anchors."""
    return (
        RoleProfile.objects.filter(role=role, version__rubric__key=rubric_key)
        .select_related("role", "version__rubric")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=ProfileEntry.objects.select_related("area")
                .prefetch_related("area__anchors")
                .order_by("area__order"),
            )
        )
        .order_by("-version__number")
        .first()
    )
