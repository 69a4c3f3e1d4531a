"""Admin for recruiters: openings, candidates, applications, interviews, assignments and decisions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from config.errors import ApplicationError
from hiring.demographics import demographic_responses_import, demographic_rows_parse
from hiring.models import (
    Application,
    Assignment,
    Candidate,
    Decision,
    DemographicResponse,
    Interview,
    InterviewerIdentity,
    Opening,
)
from hiring.services import candidate_erase


def capped_formset(limit: int, *, ordering: tuple[str, ...]) -> type[BaseInlineFormSet]:
    """An inline formset showing only the first ``limit`` rows in ``ordering``: a parent with 100,000
    children must not render 100,000 rows. The rest are a link to the child's changelist away."""

    class CappedInlineFormSet(BaseInlineFormSet):
        def get_queryset(self):
            if not hasattr(self, "_capped_queryset"):
                # Slice after the formset has filtered by its parent; cached, so every form reads one list.
                self._capped_queryset = super().get_queryset().order_by(*ordering)[:limit]
            return self._capped_queryset

    return CappedInlineFormSet


INLINE_APPLICATIONS = 50


class ApplicationInline(admin.TabularInline):
    """The opening's newest applications; the full list is the Application changelist filtered by opening.

    The candidate is shown read-only (one joined query) rather than as an input: a raw-id widget looks
    its label up once per row. New applications are added from the Application admin.
    """

    model = Application
    # Newest by id: the opening's index finds them without sorting all of its applications.
    formset = capped_formset(INLINE_APPLICATIONS, ordering=("-pk",))
    fields = ["candidate", "stage", "source", "external_id", "created_at"]
    readonly_fields = ["candidate", "source", "external_id", "created_at"]
    show_change_link = True
    extra = 0
    verbose_name_plural = f"applications (the newest {INLINE_APPLICATIONS})"

    def get_queryset(self, request):
        # The opening too: each row's title prints the application, and the formset sets only opening_id.
        return super().get_queryset(request).select_related("candidate", "opening")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Opening)
class OpeningAdmin(admin.ModelAdmin):
    list_display = ["title", "role", "rubric_version", "status", "application_count", "created_at"]
    list_filter = ["status", "role"]
    list_select_related = ["role", "rubric_version__rubric"]
    search_fields = ["title"]
    fields = ["title", "role", "rubric_version", "status", "committee", "all_applications"]
    readonly_fields = ["all_applications"]
    filter_horizontal = ["committee"]
    inlines = [ApplicationInline]

    def get_queryset(self, request):
        # Counted in the page's one query, by the applications' opening index (no GROUP BY over them all).
        applications = (
            Application.objects.filter(opening=OuterRef("pk"))
            .order_by()
            .values("opening")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(application_count=Coalesce(Subquery(applications), 0))

    @admin.display(description="applications", ordering="application_count")
    def application_count(self, opening) -> int:
        return opening.application_count

    @admin.display(description="all applications")
    def all_applications(self, opening) -> str:
        if opening is None or opening.pk is None:
            return "—"
        url = reverse("admin:hiring_application_changelist") + f"?opening__id__exact={opening.pk}"
        add_url = reverse("admin:hiring_application_add") + f"?opening={opening.pk}"
        return format_html(
            '<a href="{}">All {} applications of this opening</a> · <a href="{}">Add an application</a>',
            url,
            opening.application_count,
            add_url,
        )


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    # Five narrow columns fit a 1280 px window beside the filters: the source and its id share one,
    # erasure and creation are dates (the full creation time is its tooltip).
    list_display = ["name", "email", "ats_id", "erased", "created"]
    list_filter = ["source", ("erased_at", admin.EmptyFieldListFilter)]
    # Name and email match anywhere in the text (a sequential scan: no btree index serves a
    # substring match); the ATS's external id matches exactly.
    search_fields = ["name", "email", "=external_id"]
    readonly_fields = ["erased_at"]
    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) per page, not two
    actions = ["erase_personal_data"]

    @admin.display(description="source · id", ordering="external_id")
    def ats_id(self, candidate: Candidate) -> str:
        return f"{candidate.source} · {candidate.external_id}" if candidate.external_id else candidate.source

    @admin.display(description="erased", ordering="erased_at", empty_value="—")
    def erased(self, candidate: Candidate) -> str | None:
        if candidate.erased_at is None:
            return None
        return date_format(timezone.localtime(candidate.erased_at), "SHORT_DATE_FORMAT")

    @admin.display(description="created", ordering="created_at")
    def created(self, candidate: Candidate) -> str:
        moment = timezone.localtime(candidate.created_at)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            moment.isoformat(),
            date_format(moment, "DATETIME_FORMAT"),
            date_format(moment, "SHORT_DATE_FORMAT"),
        )

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
    search_fields = ["candidate__name", "candidate__email", "=candidate__external_id", "=external_id"]
    raw_id_fields = ["candidate"]
    ordering = ["-pk"]  # newest first by the primary key: created_at has no index to sort 100,000 rows by
    list_per_page = 50
    show_full_result_count = False
    inlines = [DecisionInline]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """Read-only: a decision is history; a changed mind is a new decision (``decision_record``)."""

    list_display = ["application", "outcome", "decided_by_label", "decided_at"]
    list_filter = ["outcome", "application__opening"]
    list_select_related = ["application__candidate", "application__opening"]
    search_fields = ["application__candidate__name", "rationale", "decided_by_label"]
    date_hierarchy = "decided_at"  # indexed
    list_per_page = 50
    show_full_result_count = False
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
    # No date_hierarchy and newest first by the primary key: scheduled_at has no index, so sorting
    # or drilling down by it reads every interview.
    ordering = ["-pk"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [AssignmentInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "focus_areas":
            kwargs["queryset"] = db_field.remote_field.model.objects.select_related("version__rubric")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class DemographicImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns candidate_id, gender, ethnicity, consented_at.")
    source = forms.CharField(max_length=64, initial="survey", help_text="Where the answers came from.")


@admin.register(DemographicResponse)
class DemographicResponseAdmin(admin.ModelAdmin):
    """Voluntary self-identification, for recruiters only: listed by candidate id, never by name.

    The answers feed only the aggregate adverse-impact analysis; nothing here
    links to the candidate's page, and the list cannot be searched by name.
    """

    list_display = ["candidate_id", "gender", "ethnicity", "source", "consented_at"]
    list_display_links = ["candidate_id"]
    list_filter = ["source"]
    search_fields = ["=candidate__id"]
    fields = ["candidate", "gender", "ethnicity", "consented_at", "source", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]
    raw_id_fields = ["candidate"]
    change_list_template = "admin/hiring/demographicresponse/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="hiring_demographicresponse_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = DemographicImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8")
                count = demographic_responses_import(
                    rows=demographic_rows_parse(text), source=form.cleaned_data["source"], actor=request.user
                )
            except UnicodeDecodeError:
                form.add_error("file", "The file is not UTF-8 text.")
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                self.message_user(request, f"Imported {count} response(s).", messages.SUCCESS)
                return redirect("admin:hiring_demographicresponse_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import demographic responses",
            "form": form,
        }
        return TemplateResponse(request, "admin/hiring/demographicresponse/import.html", context)
