"""Admin for recruiters: openings, candidates, applications, interviews and assignments."""

from django import forms
from django.contrib import admin

from hiring.models import Application, Assignment, Candidate, Interview, Opening


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
    list_display = ["name", "email", "source", "external_id", "created_at"]
    list_filter = ["source"]
    search_fields = ["name", "email", "external_id"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["candidate", "opening", "stage", "source", "external_id", "updated_at"]
    list_filter = ["stage", "opening", "source"]
    list_select_related = ["candidate", "opening"]
    search_fields = ["candidate__name", "candidate__email", "external_id"]
    raw_id_fields = ["candidate"]


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
