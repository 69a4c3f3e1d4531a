"""Admin for rubrics: versions are read-only once a scorecard uses them.

To change a locked version, select it and run "Create a new version from it";
the copy is editable and the scorecards keep pointing at the original.
"""

from django import forms
from django.contrib import admin, messages
from django.template.loader import render_to_string

from assessments.models import (
    Anchor,
    AttributeMapping,
    ProfileEntry,
    Rating,
    Role,
    RoleProfile,
    Rubric,
    RubricVersion,
    Scorecard,
    ScorecardRevision,
    SkillArea,
)
from assessments.services import rubric_version_fork


class VersionListFilter(admin.RelatedFieldListFilter):
    """Filter by rubric version, naming every version from one query (a version's name includes its
    rubric's, which the stock filter would fetch once per version)."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin) or ("rubric__name", "number")
        versions = RubricVersion.objects.select_related("rubric").order_by(*ordering)
        return [(version.pk, str(version)) for version in versions]


class LockedVersionReadOnly:
    """Refuse changes and deletions to anything belonging to a locked rubric version."""

    def version_of(self, obj) -> RubricVersion | None:
        raise NotImplementedError

    def _locked(self, obj) -> bool:
        version = self.version_of(obj) if obj is not None else None
        return bool(version and version.is_locked)

    def has_change_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class LockedParentInline(LockedVersionReadOnly):
    def has_add_permission(self, request, obj=None):
        return not self._locked(obj) and super().has_add_permission(request, obj)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "order"]
    ordering = ["order"]


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["name", "key"]


@admin.action(description="Create a new editable version from each selected version")
def fork_versions(modeladmin, request, queryset):
    for version in queryset.select_related("rubric"):
        fork = rubric_version_fork(version=version, user=request.user)
        modeladmin.message_user(request, f"Created {fork} from {version}.", messages.SUCCESS)


class SkillAreaInline(LockedParentInline, admin.TabularInline):
    model = SkillArea
    fields = ["order", "key", "name"]
    show_change_link = True
    extra = 0

    def version_of(self, obj):
        return obj


class RoleProfileInline(LockedParentInline, admin.TabularInline):
    model = RoleProfile
    fields = ["role", "summary"]
    show_change_link = True
    extra = 0

    def version_of(self, obj):
        return obj

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("role")


# The rubric's JSON parts (scale, documents, advisor, role facts) are shown as tables, read-only:
# they come from the data file, whose loader checks every quote; the admin cannot check an edit.


def _titled(source: dict, documents: dict) -> dict:
    return {**source, "title": documents.get(source.get("document"), {}).get("title", "")}


def scale_table(scale: dict) -> str:
    rows = sorted(((int(level), label) for level, label in (scale or {}).items()))
    return render_to_string("admin/assessments/rubric_scale.html", {"scale": rows})


def documents_table(documents: dict) -> str:
    return render_to_string(
        "admin/assessments/rubric_documents.html", {"documents": (documents or {}).items()}
    )


def advisor_tables(advisor: dict, documents: dict) -> str:
    advisor = advisor or {}
    questions = [
        {**question, "key": key, "choices": list((question.get("choices") or {}).items())}
        for key, question in (advisor.get("questions") or {}).items()
    ]
    rules = [
        {
            **rule,
            "when": [
                (key, "yes" if value is True else "no" if value is False else value)
                for key, value in rule.get("when", {}).items()
            ],
            "source": _titled(rule.get("source") or {}, documents),
        }
        for rule in advisor.get("rules") or []
    ]
    return render_to_string("admin/assessments/rubric_advisor.html", {"questions": questions, "rules": rules})


def facts_table(facts: list, documents: dict) -> str:
    rows = [
        {
            **fact,
            "sources": [
                _titled(source, documents) for source in fact.get("sources") or [fact.get("source") or {}]
            ],
        }
        for fact in facts or []
    ]
    return render_to_string("admin/assessments/role_facts.html", {"facts": rows})


@admin.register(RubricVersion)
class RubricVersionAdmin(LockedVersionReadOnly, admin.ModelAdmin):
    list_display = ["__str__", "number", "source_file", "created_at", "locked_at"]
    list_filter = ["rubric", ("locked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["rubric"]
    fields = [
        "rubric",
        "number",
        "name",
        "description",
        "scale_table",
        "documents_table",
        "advisor_tables",
        "content_hash",
        "source_file",
        "based_on",
        "created_at",
        "created_by",
        "locked_at",
    ]
    readonly_fields = [
        "rubric",
        "number",
        "scale_table",
        "documents_table",
        "advisor_tables",
        "content_hash",
        "source_file",
        "based_on",
        "created_at",
        "created_by",
        "locked_at",
    ]
    actions = [fork_versions]
    inlines = [SkillAreaInline, RoleProfileInline]

    def version_of(self, obj):
        return obj

    def has_add_permission(self, request):
        # Versions come from the data file (load_rubrics) or from forking an existing one.
        return False

    @admin.display(description="scale")
    def scale_table(self, version):
        return scale_table(version.scale)

    @admin.display(description="documents")
    def documents_table(self, version):
        return documents_table(version.documents)

    @admin.display(description="advisor")
    def advisor_tables(self, version):
        return advisor_tables(version.advisor, version.documents)


class AnchorInline(LockedParentInline, admin.TabularInline):
    model = Anchor
    extra = 0
    max_num = 5

    def version_of(self, obj):
        return obj.version


@admin.register(SkillArea)
class SkillAreaAdmin(LockedVersionReadOnly, admin.ModelAdmin):
    list_display = ["name", "key", "version", "order"]
    list_filter = [("version", VersionListFilter)]
    list_select_related = ["version__rubric"]
    search_fields = ["name", "key"]
    inlines = [AnchorInline]

    def version_of(self, obj):
        return obj.version


class ProfileEntryInline(LockedParentInline, admin.TabularInline):
    model = ProfileEntry
    fields = [
        "area",
        "weight",
        "expected_level",
        "minimum_level",
        "source_document",
        "source_statement",
        "source_reasoning",
    ]
    extra = 0

    def version_of(self, obj):
        return obj.version

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the areas of the profile's own version.
        if db_field.name == "area":
            profile_id = request.resolver_match.kwargs.get("object_id")
            if profile_id:
                kwargs["queryset"] = SkillArea.objects.filter(version__profiles__pk=profile_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RoleProfile)
class RoleProfileAdmin(LockedVersionReadOnly, admin.ModelAdmin):
    list_display = ["role", "version"]
    list_filter = [("version", VersionListFilter), "role"]
    list_select_related = ["role", "version__rubric"]
    fields = ["version", "role", "summary", "facts_table"]
    readonly_fields = ["facts_table"]
    inlines = [ProfileEntryInline]

    def version_of(self, obj):
        return obj.version

    @admin.display(description="facts")
    def facts_table(self, profile):
        return facts_table(profile.facts, profile.version.documents) if profile.pk else "—"


# Scorecards: recruiters read them here; changes go through the amend page so history is kept.


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RatingInline(ReadOnlyInline):
    model = Rating
    fields = ["area", "level", "not_assessed", "evidence"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area")


class ScorecardRevisionInline(ReadOnlyInline):
    model = ScorecardRevision
    fields = ["number", "recommendation", "reason", "created_by", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "recommendation", "revision", "submitted_at", "updated_at"]
    list_filter = ["status", "recommendation", "interview__application__opening"]
    list_select_related = ["interviewer", "interview__application__candidate"]
    search_fields = ["interviewer__username", "interview__application__candidate__name"]
    ordering = ["-pk"]  # newest first by the primary key: updated_at has no index
    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) per page, not two
    inlines = [RatingInline, ScorecardRevisionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Imports from applicant tracking systems: which of their scorecard attributes rates which skill area.


def _area_key_choices() -> list[tuple[str, str]]:
    from assessments.selectors import rubric_version_current

    version = rubric_version_current()
    areas = version.areas.all() if version else []
    return [("", "---------")] + [(area.key, f"{area.name} ({area.key})") for area in areas]


class AttributeMappingForm(forms.ModelForm):
    area_key = forms.ChoiceField(
        label="Skill area", choices=_area_key_choices, help_text="From the newest rubric version."
    )

    class Meta:
        model = AttributeMapping
        fields = ["source", "attribute_name", "area_key"]


@admin.register(AttributeMapping)
class AttributeMappingAdmin(admin.ModelAdmin):
    """Greenhouse attribute names (per integration source) onto skill areas; see the API's import docs."""

    form = AttributeMappingForm
    list_display = ["attribute_name", "area_key", "source", "updated_at"]
    list_filter = ["source"]
    search_fields = ["attribute_name", "area_key"]
    ordering = ["source", "attribute_name"]
