"""Writes for attribute mappings: which skill area an ATS's scorecard attribute rates.

The Greenhouse import (``assessments.services.greenhouse``) reads them per
source. Names are unique per source without regard to case; an area key must
be a skill area of some rubric. One transaction each; audited.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments.models import AttributeMapping, SkillArea
from config.errors import ApplicationError
from integrations.audit import audit_record

CONFLICT = 409


def _checked(mapping: AttributeMapping) -> None:
    mapping.attribute_name = mapping.attribute_name.strip()
    if not mapping.attribute_name:
        raise ApplicationError("invalid", "Give the attribute's name.", field="attribute_name")
    if not SkillArea.objects.filter(key=mapping.area_key).exists():
        raise ApplicationError(
            "unknown_skill_area", f"No rubric has a skill area '{mapping.area_key}'.", field="area_key"
        )
    others = AttributeMapping.objects.filter(
        source=mapping.source, attribute_name__iexact=mapping.attribute_name
    ).exclude(pk=mapping.pk)
    if others.exists():
        raise _name_taken(mapping)


def _name_taken(mapping: AttributeMapping) -> ApplicationError:
    return ApplicationError(
        "attribute_mapping_exists",
        f"'{mapping.attribute_name}' from '{mapping.source}' is mapped already (names ignore case); "
        "change that mapping.",
        field="attribute_name",
        status_code=CONFLICT,
    )


def _save(mapping: AttributeMapping) -> None:
    _checked(mapping)
    try:
        mapping.full_clean(validate_constraints=False)
    except ValidationError as error:
        fields = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        raise ApplicationError("invalid", "The request has invalid fields.", fields=fields) from None
    try:
        with transaction.atomic():
            mapping.save()
    except IntegrityError:  # lost a race with a concurrent write of the same name
        raise _name_taken(mapping) from None


def attribute_mapping_create(
    *, source: str, attribute_name: str, area_key: str, actor=None
) -> AttributeMapping:
    """Map ``attribute_name`` (of ``source``'s scorecards) onto the skill area ``area_key``.

    Raises 409 ``attribute_mapping_exists`` for a name mapped already in that
    source (in any letter case), 400 ``unknown_skill_area`` for an unknown key.
    """
    with transaction.atomic():
        mapping = AttributeMapping(source=source, attribute_name=attribute_name, area_key=area_key)
        _save(mapping)
        audit_record(actor=actor, action="attribute_mapping.created", target=mapping)
    return mapping


def attribute_mapping_update(
    *, mapping: AttributeMapping, attribute_name: str | None = None, area_key: str | None = None, actor=None
) -> AttributeMapping:
    """Rename the attribute or point it at another area (its source stays); saves only on change."""
    with transaction.atomic():
        mapping = AttributeMapping.objects.select_for_update().get(pk=mapping.pk)
        changed = [
            name
            for name, value in (("attribute_name", attribute_name), ("area_key", area_key))
            if value is not None and getattr(mapping, name) != value
        ]
        if changed:
            for name in changed:
                setattr(mapping, name, {"attribute_name": attribute_name, "area_key": area_key}[name])
            _save(mapping)
            audit_record(
                actor=actor, action="attribute_mapping.updated", target=mapping, details={"fields": changed}
            )
    return mapping


def attribute_mapping_delete(*, mapping: AttributeMapping, actor=None) -> None:
    """Remove a mapping: later imports report the attribute as unmapped."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="attribute_mapping.deleted",
            target=mapping,
            details={"source": mapping.source},
        )
        mapping.delete()
