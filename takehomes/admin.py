"""Recruiters write exercises here; take-homes and their reports are read here.

An exercise's data package and settings are checked on save (each problem at its field);
a published version is frozen, since grades were measured against it, so changing one
means "Copy as a new version". Take-homes and reports are read-only: they change only
through the candidate's link and grading.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse

from config.errors import ApplicationError
from takehomes.models import (
    Exercise,
    GradingReport,
    PartnerCallback,
    PartnerCallbackAttempt,
    PartnerKey,
    PartnerResponseError,
    PartnerTestOrder,
    TakeHome,
)
from takehomes.partners.services import partner_key_create, partner_key_revoke
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


# Assessment partners ---------------------------------------------------------------------


class PartnerKeyCreateForm(forms.ModelForm):
    class Meta:
        model = PartnerKey
        fields = ["name", "source"]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    """Keys are issued here (the secret is shown once, on the page after adding) and revoked; never edited."""

    list_display = ["name", "source", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "source", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PartnerKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["name", "source"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # orders and the audit log refer to keys: revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            return  # keys are immutable: revoke and issue a new one instead
        key, raw = partner_key_create(
            name=form.cleaned_data["name"], source=form.cleaned_data["source"], created_by=request.user
        )
        obj.pk = key.pk
        obj._raw_key = raw

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        return super().log_addition(request, PartnerKey.objects.get(pk=obj.pk), message)

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is shown on this one page and never again: not stored, not put in a message cookie.
        return TemplateResponse(
            request,
            "admin/takehomes/partner_key_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "Partner key created",
                "key": PartnerKey.objects.get(pk=obj.pk),
                "secret": obj._raw_key,
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            partner_key_revoke(key=key, actor=request.user)
        self.message_user(request, "Revoked.")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerTestOrder)
class PartnerTestOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "partner_interview_id",
        "protocol",
        "source",
        "take_home",
        "partner_test_id",
        "created_at",
    ]
    list_filter = ["protocol", "source"]
    list_select_related = [
        "take_home__exercise",
        "take_home__application__candidate",
        "take_home__application__opening",
    ]
    search_fields = ["partner_interview_id", "external_application_id", "external_candidate_id"]
    readonly_fields = [field.name for field in PartnerTestOrder._meta.fields]


class PartnerCallbackAttemptInline(admin.TabularInline):
    model = PartnerCallbackAttempt
    fields = ["number", "attempted_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PartnerCallback)
class PartnerCallbackAdmin(ReadOnlyAdmin):
    """Each completion callback with every attempt: what came back, when, and how long it took."""

    list_display = ["id", "order", "status", "attempt_count", "next_attempt_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["order"]
    readonly_fields = [field.name for field in PartnerCallback._meta.fields]
    inlines = [PartnerCallbackAttemptInline]


@admin.register(PartnerResponseError)
class PartnerResponseErrorAdmin(ReadOnlyAdmin):
    """What an ATS reported as wrong with our answers (Greenhouse's ``response_error``), newest first."""

    list_display = ["received_at", "protocol", "source", "api_call", "error_summary", "partner_interview_id"]
    list_filter = ["protocol", "api_call"]
    date_hierarchy = "received_at"  # indexed
    list_select_related = ["key"]
    readonly_fields = [field.name for field in PartnerResponseError._meta.fields]

    @admin.display(description="errors")
    def error_summary(self, error):
        return "; ".join(error.errors)[:200]
