"""Recruiters write exercises here; take-homes and their reports are read here.

An exercise's data package and settings are checked on save (each problem at its field);
a published version is frozen, since grades were measured against it, so changing one
means "Copy as a new version". Take-homes and reports are read-only: they change only
through the candidate's link and grading.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from config.errors import ApplicationError
from takehomes.models import Exercise, GradingReport, TakeHome
from takehomes.services import exercise_problems, exercise_publish

FROZEN = (
    "key",
    "version",
    "role",
    "task_type",
    "classes",
    "positive_class",
    "primary_metric",
    "needs_score",
    "requires_model",
    "budgets",
    "area_mapping",
    "train_file",
    "test_features_file",
    "test_labels_file",
)


class ExerciseAdminForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = (
            *FROZEN[:3],
            "title",
            "brief",
            *FROZEN[3:11],
            "time_limit_hours",
            "expiry_days",
            *FROZEN[11:],
        )

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.instance.is_published:
            return
        for field, message in exercise_problems(self.instance).items():
            self.add_error(field if field in self.fields else None, message)


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    form = ExerciseAdminForm
    list_display = ("title", "role", "version", "requires_model", "primary_metric", "published_at")
    list_filter = ("role", "requires_model", ("published_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "key")
    actions = ("publish", "copy_as_new_version")
    readonly_fields = ("published_at", "created_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return (*FROZEN, *self.readonly_fields)
        return self.readonly_fields

    @admin.action(description="Publish the selected exercises")
    def publish(self, request, queryset):
        for exercise in queryset.filter(published_at__isnull=True):
            try:
                exercise_publish(exercise=exercise, actor=request.user)
            except ApplicationError as error:
                detail = "; ".join(f"{field}: {message}" for field, message in error.fields.items())
                self.message_user(request, f"{exercise}: {error.message} {detail}", messages.ERROR)
            else:
                self.message_user(request, f"Published {exercise}.", messages.SUCCESS)

    @admin.action(description="Copy as a new version (unpublished)")
    def copy_as_new_version(self, request, queryset):
        with transaction.atomic():
            for exercise in queryset:
                latest = Exercise.objects.filter(key=exercise.key).order_by("-version").first()
                exercise.pk = None
                exercise._state.adding = True
                exercise.version = latest.version + 1
                exercise.published_at = None
                exercise.save()
                self.message_user(request, f"Created {exercise}.", messages.SUCCESS)


@admin.register(TakeHome)
class TakeHomeAdmin(admin.ModelAdmin):
    list_display = ("application", "exercise", "status", "source", "sent_at", "deadline_at", "submitted_at")
    list_filter = ("status", "source", "exercise")
    search_fields = ("application__candidate__name", "application__candidate__email")
    list_select_related = ("application__candidate", "application__opening", "exercise")
    readonly_fields = [field.name for field in TakeHome._meta.fields if field.name != "token_hash"]
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False


@admin.register(GradingReport)
class GradingReportAdmin(admin.ModelAdmin):
    list_display = ("take_home", "status", "attempts", "graded_at")
    list_filter = ("status",)
    list_select_related = (
        "take_home__application__candidate",
        "take_home__application__opening",
        "take_home__exercise",
    )
    readonly_fields = [field.name for field in GradingReport._meta.fields]

    def has_add_permission(self, request):
        return False
