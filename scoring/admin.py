"""Admin: scores are read-only results; recruiters recompute and shortlist from the openings list."""

from django.contrib import admin, messages

from config.celery import enqueue_on_commit
from hiring.admin import OpeningAdmin, capped_formset
from scoring.models import (
    AreaReliability,
    Calibration,
    FitScore,
    InterviewerOffset,
    Shortlist,
    ShortlistEntry,
)
from scoring.selectors import shortlists_numbered
from scoring.shortlists import shortlist_create


@admin.action(description="Recompute scores of the selected openings")
def recompute_scores(modeladmin, request, queryset):
    opening_ids = list(queryset.values_list("pk", flat=True))
    for opening_id in opening_ids:
        enqueue_on_commit("scoring.opening_scores_recompute", opening_id)
    modeladmin.message_user(request, f"Recompute queued for {len(opening_ids)} opening(s).", messages.SUCCESS)


@admin.action(description="Create a ranked shortlist for each selected opening")
def create_shortlist(modeladmin, request, queryset):
    openings = list(queryset)
    for opening in openings:
        shortlist_create(opening=opening, user=request.user)
    modeladmin.message_user(request, f"Shortlist queued for {len(openings)} opening(s).", messages.SUCCESS)


# Scoring extends the openings admin (hiring does not depend on scoring).
OpeningAdmin.actions = [*OpeningAdmin.actions, recompute_scores, create_shortlist]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FitScore)
class FitScoreAdmin(ReadOnlyAdmin):
    list_display = [
        "application",
        "role",
        "fit",
        "lower",
        "upper",
        "coverage",
        "meets_bars_probability",
        "gated",
        "consider_role",
        "computed_at",
    ]
    list_filter = ["role", "gated", "application__opening"]
    list_select_related = ["application__candidate", "application__opening", "role", "consider_role"]
    search_fields = ["application__candidate__name", "=application__external_id"]
    # By the (application, role) unique index, newest applications first. "application" alone would
    # sort by the Application's own ordering: a join and a sort of every fit score.
    ordering = ["-application_id", "-role_id"]
    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) per page, not two


@admin.register(InterviewerOffset)
class InterviewerOffsetAdmin(ReadOnlyAdmin):
    list_display = ["interviewer", "rubric", "offset", "standard_error", "n_ratings", "computed_at"]
    list_filter = ["rubric"]
    list_select_related = ["interviewer", "rubric"]


@admin.register(AreaReliability)
class AreaReliabilityAdmin(ReadOnlyAdmin):
    list_display = ["area", "opening", "alpha", "reading", "n_units", "n_raters", "computed_at"]
    list_filter = ["opening", "reading"]
    list_select_related = ["area", "opening"]


@admin.register(Calibration)
class CalibrationAdmin(ReadOnlyAdmin):
    list_display = [
        "rubric",
        "n_ratings",
        "n_interviewers",
        "n_applications",
        "severity_sd",
        "general_sd",
        "iterations",
        "inputs_at",
        "computed_at",
    ]
    list_select_related = ["rubric"]
    exclude = ["covariance"]


INLINE_SHORTLIST_ENTRIES = 100


class ShortlistEntryInline(admin.TabularInline):
    """The top of the shortlist: a shortlist without a limit can hold every application of the opening."""

    model = ShortlistEntry
    formset = capped_formset(INLINE_SHORTLIST_ENTRIES, ordering=("rank",))
    fields = [
        "rank",
        "application",
        "fit",
        "lower",
        "upper",
        "coverage",
        "meets_bars_probability",
        "gated",
        "consider_role",
    ]
    readonly_fields = fields
    can_delete = False
    extra = 0
    verbose_name_plural = f"entries (the top {INLINE_SHORTLIST_ENTRIES})"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("application__candidate", "application__opening", "consider_role")
        )


@admin.register(Shortlist)
class ShortlistAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "number",
        "opening",
        "role",
        "order_by",
        "status",
        "entry_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "opening"]
    list_select_related = ["opening", "role", "created_by"]
    inlines = [ShortlistEntryInline]

    def get_queryset(self, request):
        return shortlists_numbered(super().get_queryset(request))

    @admin.display(description="Snapshot of its opening", ordering="created_at")
    def number(self, shortlist: Shortlist) -> int:
        """The number the review pages show: 1 for the opening's first snapshot."""
        return shortlist.number
