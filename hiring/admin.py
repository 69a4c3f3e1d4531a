"""Admin for recruiters: openings, candidates, applications, interviews, assignments and decisions."""

from django import forms
from django.contrib import admin, messages

from hiring.models import (
    Application,
    Assignment,
    Candidate,
    Decision,
    Interview,
    InterviewerIdentity,
    Opening,
)
from hiring.services import candidate_erase


class ApplicationInline(admin.TabularInline):
    model = Application
    fields = ["candidate", "stage", "source", "external_id"]
    raw_id_fields = ["candidate"]
    show_change_link = True
    extra = 0


@admin.register(Opening)
class OpeningAdmin(admin.ModelAdmin):
    list_display = ["title", "role", "rubric_version", "status", "created_at"]
    list_filter = ["status", "role"]
    list_select_related = ["role", "rubric_version__rubric"]
    search_fields = ["title"]
    filter_horizontal = ["committee"]
    inlines = [ApplicationInline]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "source", "external_id", "erased_at", "created_at"]
    list_filter = ["source", ("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "external_id"]
    readonly_fields = ["erased_at"]
    actions = ["erase_personal_data"]

    @admin.action(description="Erase personal data of the selected candidates")
    def erase_personal_data(self, request, queryset):
        # Through the service, one audited transaction per candidate; erased ones are skipped.
        for candidate in queryset:
            candidate_erase(candidate=candidate, actor=request.user)
        self.message_user(request, f"Erased {queryset.count()} candidate(s).", messages.SUCCESS)


class DecisionInline(admin.TabularInline):
    """The decision history, newest first; decisions are recorded through the service, never edited."""

    model = Decision
    fields = ["decided_at", "outcome", "rationale", "decided_by_label"]
    readonly_fields = fields
    ordering = ["-decided_at", "-pk"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["candidate", "opening", "stage", "source", "external_id", "updated_at"]
    list_filter = ["stage", "opening", "source"]
    list_select_related = ["candidate", "opening"]
    search_fields = ["candidate__name", "candidate__email", "external_id"]
    raw_id_fields = ["candidate"]
    inlines = [DecisionInline]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """Read-only: a decision is history; a changed mind is a new decision (``decision_record``)."""

    list_display = ["application", "outcome", "decided_by_label", "decided_at"]
    list_filter = ["outcome", "application__opening"]
    list_select_related = ["application__candidate", "application__opening"]
    search_fields = ["application__candidate__name", "rationale", "decided_by_label"]
    date_hierarchy = "decided_at"
    fields = ["application", "outcome", "rationale", "decided_by", "decided_by_label", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InterviewerIdentity)
class InterviewerIdentityAdmin(admin.ModelAdmin):
    """Which user an ATS means by its interviewer id (``hiring.selectors.interviewer_resolve``)."""

    list_display = ["user", "source", "external_id"]
    list_filter = ["source"]
    list_select_related = ["user"]
    search_fields = ["external_id", "user__username", "user__email", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ["interviewer"]
    extra = 1


class InterviewAdminForm(forms.ModelForm):
    class Meta:
        model = Interview
        fields = ["application", "kind", "scheduled_at", "duration_minutes", "focus_areas"]

    def clean(self):
        cleaned = super().clean()
        application, areas = cleaned.get("application"), cleaned.get("focus_areas")
        if application and areas is not None:
            foreign = [
                area.name for area in areas if area.version_id != application.opening.rubric_version_id
            ]
            if foreign:
                self.add_error(
                    "focus_areas",
                    f"Not in this opening's rubric version: {', '.join(foreign)}.",
                )
            if not areas:
                self.add_error("focus_areas", "Choose at least one focus area.")
        return cleaned


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    form = InterviewAdminForm
    list_display = ["__str__", "kind", "scheduled_at", "application"]
    list_filter = ["kind", "application__opening"]
    list_select_related = ["application__candidate", "application__opening"]
    search_fields = ["application__candidate__name"]
    raw_id_fields = ["application"]
    filter_horizontal = ["focus_areas"]
    date_hierarchy = "scheduled_at"
    inlines = [AssignmentInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "focus_areas":
            kwargs["queryset"] = db_field.remote_field.model.objects.select_related("version__rubric")
        return super().formfield_for_manytomany(db_field, request, **kwargs)
