from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse

from config.errors import ApplicationError
from integrations.models import (
    AuditEvent,
    Event,
    EventType,
    IdempotencyRecord,
    IntegrationToken,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookSubscription,
)
from integrations.scopes import EVENT_READ_SCOPES, Scope
from integrations.services import SOURCE_NAME, token_create, token_revoke


class TokenCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    shared_sources = forms.CharField(
        required=False,
        help_text="Other sources whose records this token may also write, comma-separated: 'manual' for "
        "records made in the web app. Leave empty to write only its own source's records.",
    )

    class Meta:
        model = IntegrationToken
        fields = ["name", "source", "scopes", "shared_sources"]

    def clean_shared_sources(self):
        names = sorted(
            {name.strip() for name in self.cleaned_data["shared_sources"].split(",") if name.strip()}
        )
        bad = [name for name in names if not SOURCE_NAME.fullmatch(name)]
        if bad:
            raise forms.ValidationError(f"Not a source name: {', '.join(bad)}.")
        return names


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "source",
        "shared_sources",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    list_select_related = ["created_by"]
    readonly_fields = [
        "name",
        "source",
        "shared_sources",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TokenCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["name", "source", "shared_sources", "scopes"] if obj is None else self.readonly_fields

    @admin.display(description="scopes")
    def scope_list(self, token):
        return ", ".join(token.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            return  # tokens are immutable: revoke and create a new one instead
        token, raw = token_create(
            name=form.cleaned_data["name"],
            source=form.cleaned_data["source"],
            scopes=form.cleaned_data["scopes"],
            shared_sources=form.cleaned_data["shared_sources"],
            created_by=request.user,
        )
        obj.pk = token.pk
        obj._raw_token = raw

    def save_related(self, request, form, formsets, change):
        pass

    def log_addition(self, request, obj, message):
        return super().log_addition(request, IntegrationToken.objects.get(pk=obj.pk), message)

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is shown on this one page and never again: it is not stored, nor put in a message cookie.
        return TemplateResponse(
            request,
            "admin/integrations/token_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "Integration token created",
                "token": IntegrationToken.objects.get(pk=obj.pk),
                "secret": obj._raw_token,
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token, actor=request.user)
        self.message_user(request, "Revoked.")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "occurred_at"]
    list_filter = ["type"]
    date_hierarchy = "occurred_at"  # indexed
    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) per page, not two
    readonly_fields = ["id", "type", "occurred_at", "resource"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["owner", "key", "method", "path", "status_code", "created_at"]
    search_fields = ["key"]
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "action", "actor_label", "target_type", "target_id", "count"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_id"]
    date_hierarchy = "occurred_at"  # indexed
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WebhookSubscriptionCreateForm(forms.ModelForm):
    """A subscription made here for an integration's token, checked as the API checks one."""

    token = forms.ModelChoiceField(
        queryset=IntegrationToken.objects.filter(revoked_at__isnull=True).order_by("name"),
        help_text="The integration it belongs to; its scopes decide which events it may hear.",
    )
    url = forms.URLField(
        max_length=2000, assume_scheme="https", help_text="http(s) URL that receives the signed POSTs."
    )
    events = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["token", "url", "events", "is_active"]

    def clean_url(self):
        from integrations.webhooks import url_check

        url = self.cleaned_data["url"]
        try:
            url_check(url)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return url

    def clean(self):
        from integrations.webhooks import event_readable_by

        cleaned = super().clean()
        token, events = cleaned.get("token"), cleaned.get("events") or []
        unreadable = [event for event in events if token and not event_readable_by(event, token)]
        if unreadable:
            needs = "; ".join(f"{event} needs {EVENT_READ_SCOPES[event]}" for event in unreadable)
            self.add_error("events", f"The token cannot read what these events carry: {needs}.")
        return cleaned


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions are added here for a token (or by the integration through the API); the signing
    secret is shown once, on the page after adding, and is never a field of these pages. Existing
    subscriptions are watched and paused here."""

    list_display = ["id", "url", "token", "event_list", "is_active", "created_at"]
    list_filter = ["is_active", "token__source"]
    list_select_related = ["token"]
    search_fields = ["url", "token__name"]
    fields = ["token", "url", "events", "is_active", "created_at", "updated_at"]
    readonly_fields = ["token", "url", "events", "created_at", "updated_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = WebhookSubscriptionCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return WebhookSubscriptionCreateForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description="events")
    def event_list(self, subscription):
        return ", ".join(subscription.events)

    def save_model(self, request, obj, form, change):
        from integrations.webhooks import webhook_subscription_create, webhook_subscription_update

        if change:
            webhook_subscription_update(subscription=obj, actor=request.user, is_active=obj.is_active)
            return
        subscription, secret = webhook_subscription_create(
            token=form.cleaned_data["token"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            is_active=form.cleaned_data["is_active"],
            actor=request.user,
        )
        obj.pk = subscription.pk
        obj._secret = secret

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        return super().log_addition(request, WebhookSubscription.objects.get(pk=obj.pk), message)

    def response_add(self, request, obj, post_url_continue=None):
        # The signing secret is shown on this one page: never in a message cookie, never again.
        return TemplateResponse(
            request,
            "admin/integrations/webhook_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "Webhook subscription created",
                "subscription": WebhookSubscription.objects.select_related("token").get(pk=obj.pk),
                "secret": obj._secret,
                "opts": self.model._meta,
            },
        )


class WebhookDeliveryAttemptInline(admin.TabularInline):
    model = WebhookDeliveryAttempt
    fields = ["number", "attempted_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "subscription",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type"]  # both have choices: no DISTINCT scan for the filter
    list_select_related = ["subscription", "event"]
    # No date_hierarchy: created_at has no index, and the drill-down would scan every delivery.
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = [
        "subscription",
        "event",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "updated_at",
        "finished_at",
    ]
    inlines = [WebhookDeliveryAttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="event", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.action(description="Redeliver selected deliveries (from the first attempt)")
    def redeliver(self, request, queryset):
        from integrations.webhooks import webhook_delivery_redeliver

        done = busy = 0
        for delivery in queryset:
            try:
                webhook_delivery_redeliver(delivery=delivery, actor=request.user)
            except ApplicationError:
                busy += 1
            else:
                done += 1
        message = f"Queued {done} deliveries again."
        if busy:
            message += f" {busy} being sent right now were left alone."
        self.message_user(request, message)
