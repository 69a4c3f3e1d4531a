"""Writes for rubrics: load a data file as a version, fork a version, lock it."""

from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models import Anchor, ProfileEntry, Role, RoleProfile, Rubric, RubricVersion, SkillArea
from assessments.rubric_file import RubricFile, read_rubric_file
from config.errors import ApplicationError

RUBRICS_DIR = Path(__file__).resolve().parent.parent / "rubrics"


def rubric_files() -> list[Path]:
    """The rubric data files shipped with the project, in name order."""
    return sorted(RUBRICS_DIR.glob("*.yaml"))


def rubric_load(*, path: Path | str) -> tuple[RubricVersion, bool]:
    """Load a rubric file as a new version unless that exact content is loaded already.

    Returns ``(version, created)``. Idempotent: loading the same content again
    returns the existing version and writes nothing. Edited content becomes a
    new version numbered after the newest; older versions are untouched.
    Raises ``RubricFileError`` (file, entry, problem) before writing anything;
    the whole load is one transaction.
    """
    path = Path(path)
    spec, digest = read_rubric_file(path)
    with transaction.atomic():
        rubric, _ = Rubric.objects.get_or_create(key=spec.key, defaults={"name": spec.name})
        # Serialise concurrent loads of the same rubric so version numbers never collide.
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        existing = RubricVersion.objects.filter(rubric=rubric, content_hash=digest).first()
        if existing is not None:
            return existing, False
        if rubric.name != spec.name:
            rubric.name = spec.name
            rubric.save(update_fields=["name"])
        roles = _roles_upsert(spec)
        number = (rubric.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = RubricVersion.objects.create(
            rubric=rubric,
            number=number,
            name=spec.name,
            description=spec.description,
            scale={str(level): label for level, label in spec.scale.items()},
            documents={key: document.model_dump() for key, document in spec.documents.items()},
            advisor=spec.advisor.model_dump(mode="json"),
            content_hash=digest,
            source_file=path.name,
        )
        _version_content_create(version=version, spec=spec, roles=roles)
    return version, True


def _roles_upsert(spec: RubricFile) -> dict[str, Role]:
    roles = {}
    for order, (key, role_spec) in enumerate(spec.roles.items()):
        role, created = Role.objects.get_or_create(key=key, defaults={"name": role_spec.name, "order": order})
        if not created and (role.name, role.order) != (role_spec.name, order):
            role.name, role.order = role_spec.name, order
            role.save(update_fields=["name", "order"])
        roles[key] = role
    return roles


def _version_content_create(*, version: RubricVersion, spec: RubricFile, roles: dict[str, Role]) -> None:
    areas = SkillArea.objects.bulk_create(
        SkillArea(
            version=version,
            key=key,
            name=area.name,
            description=area.description,
            covers=list(area.covers),
            questions=list(area.questions),
            sources=[source.model_dump(exclude_none=True) for source in area.sources],
            order=order,
        )
        for order, (key, area) in enumerate(spec.areas.items())
    )
    areas_by_key = {area.key: area for area in areas}
    Anchor.objects.bulk_create(
        Anchor(area=areas_by_key[key], level=level, description=text)
        for key, area in spec.areas.items()
        for level, text in area.anchors.items()
    )
    profiles = RoleProfile.objects.bulk_create(
        RoleProfile(version=version, role=roles[key], summary=role.summary, facts=_facts(role))
        for key, role in spec.roles.items()
    )
    profiles_by_role = {profile.role.key: profile for profile in profiles}
    ProfileEntry.objects.bulk_create(
        ProfileEntry(
            profile=profiles_by_role[role_key],
            area=areas_by_key[area_key],
            weight=entry.weight,
            expected_level=entry.expected,
            minimum_level=entry.minimum,
            source_document=entry.source.document,
            source_statement=entry.source.statement or "",
            source_reasoning=entry.source.reasoning or "",
        )
        for role_key, role in spec.roles.items()
        for area_key, entry in role.profile.items()
    )


def _facts(role) -> list[dict]:
    return [fact.model_dump(mode="json", exclude_none=True) for fact in role.facts]


def rubric_version_fork(*, version: RubricVersion, user=None) -> RubricVersion:
    """Copy a version, with all its areas, anchors and profiles, into a new editable version.

    This is how a locked version is "edited": the copy gets the next number and
    no content hash (it did not come from a file); the original and the
    scorecards pointing at it stay as they were.
    """
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().get(pk=version.rubric_id)
        number = (rubric.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        source = (
            RubricVersion.objects.prefetch_related("areas__anchors", "profiles__entries__area")
            .select_related("rubric")
            .get(pk=version.pk)
        )
        fork = RubricVersion.objects.create(
            rubric=rubric,
            number=number,
            name=source.name,
            description=source.description,
            scale=source.scale,
            documents=source.documents,
            advisor=source.advisor,
            content_hash="",
            source_file=source.source_file,
            based_on=source,
            created_by=user,
        )
        old_areas = list(source.areas.all())
        new_areas = SkillArea.objects.bulk_create(
            SkillArea(
                version=fork,
                key=area.key,
                name=area.name,
                description=area.description,
                covers=area.covers,
                questions=area.questions,
                sources=area.sources,
                order=area.order,
            )
            for area in old_areas
        )
        area_map = {old.pk: new for old, new in zip(old_areas, new_areas, strict=True)}
        Anchor.objects.bulk_create(
            Anchor(area=area_map[area.pk], level=anchor.level, description=anchor.description)
            for area in old_areas
            for anchor in area.anchors.all()
        )
        old_profiles = list(source.profiles.all())
        new_profiles = RoleProfile.objects.bulk_create(
            RoleProfile(version=fork, role_id=profile.role_id, summary=profile.summary, facts=profile.facts)
            for profile in old_profiles
        )
        ProfileEntry.objects.bulk_create(
            ProfileEntry(
                profile=new_profile,
                area=area_map[entry.area_id],
                weight=entry.weight,
                expected_level=entry.expected_level,
                minimum_level=entry.minimum_level,
                source_document=entry.source_document,
                source_statement=entry.source_statement,
                source_reasoning=entry.source_reasoning,
            )
            for old_profile, new_profile in zip(old_profiles, new_profiles, strict=True)
            for entry in old_profile.entries.all()
        )
    return fork


def rubric_version_lock(*, version: RubricVersion) -> None:
    """Mark a version as used by a scorecard: read-only from now on. Idempotent."""
    RubricVersion.objects.filter(pk=version.pk, locked_at__isnull=True).update(locked_at=timezone.now())


def rubric_version_ensure_editable(*, version: RubricVersion) -> None:
    """Raise when a change would alter a version that scorecards already use."""
    if RubricVersion.objects.filter(pk=version.pk, locked_at__isnull=False).exists():
        raise ApplicationError(
            "rubric_version_locked",
            f"{version} is used by scorecards and cannot change; create a new version from it instead.",
            status_code=409,
        )
