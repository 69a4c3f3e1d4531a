"""REST endpoints of integrations (mounted under /api/v1/ by config/api.py): webhook subscriptions.

A token manages only its own subscriptions (another's answers 404); a
recruiter signed in through the session manages all of them, and names the
token that owns one it creates.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.errors import ApplicationError
from integrations import webhooks
from integrations.api.validation import validated_body
from integrations.api.viewsets import IDEMPOTENCY_KEY_PARAMETER, ApiGenericViewSet, errors
from integrations.identity import is_integration
from integrations.models import (
    EventType,
    IntegrationToken,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookSubscription,
)
from integrations.scopes import Scope
from integrations.serializers import StrictSerializer

WEBHOOKS_MANAGE = Scope.WEBHOOKS_MANAGE.value


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    token_id = serializers.IntegerField(read_only=True, help_text="The integration token that owns it.")
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "token_id", "url", "events", "is_active", "created_at", "updated_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…). Shown in this answer only: store it now."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookSubscriptionCreateSerializer(StrictSerializer):
    url = serializers.URLField(
        max_length=2000, help_text="An http(s) URL on a public address; it receives signed POSTs."
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False, help_text="Event types."
    )
    is_active = serializers.BooleanField(default=True)
    token_id = serializers.IntegerField(
        required=False,
        help_text="Signed-in recruiters only: the integration token that will own it. A token always "
        "owns what it creates (omit it, or give its own id).",
    )


class WebhookSubscriptionUpdateSerializer(StrictSerializer):
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False, required=False
    )
    is_active = serializers.BooleanField(required=False)


class WebhookDeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDeliveryAttempt
        fields = ["number", "attempted_at", "status_code", "duration_ms", "error"]


class WebhookEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The event's id, also sent as X-Scorecards-Event-Id.")
    # Plain strings in the schema: the enum of event types is the subscription's `events`, and
    # a second enum of the same values (or a second `status` enum) would clash in the schema.
    type = serializers.CharField(help_text="One of the event types a subscription lists in `events`.")
    occurred_at = serializers.DateTimeField()


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = WebhookEventSerializer()
    status = serializers.CharField(
        help_text="pending (waiting for its next attempt), sending, succeeded (a 2xx answer) or failed "
        f"(no 2xx after {WebhookDelivery.MAX_ATTEMPTS} attempts)."
    )
    attempts = WebhookDeliveryAttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "finished_at",
            "attempts",
        ]


_SUBSCRIPTION_EXAMPLE = {
    "id": 7,
    "token_id": 3,
    "url": "https://ats.example.com/hooks/scorecards",
    "events": ["scorecard.submitted", "shortlist.ready"],
    "is_active": True,
    "created_at": "2025-03-01T09:30:00Z",
    "updated_at": "2025-03-01T09:30:00Z",
}
_DELIVERY_EXAMPLE = {
    "id": 981,
    "event": {
        "id": "0b7c8a52-3f1e-4c55-9a3b-6f1d2f0e9c11",
        "type": "scorecard.submitted",
        "occurred_at": "2025-03-02T14:05:09Z",
    },
    "status": "pending",
    "attempt_count": 1,
    "next_attempt_at": "2025-03-02T14:06:10Z",
    "created_at": "2025-03-02T14:05:09Z",
    "finished_at": None,
    "attempts": [
        {
            "number": 1,
            "attempted_at": "2025-03-02T14:05:09Z",
            "status_code": 503,
            "duration_ms": 412,
            "error": "Answered HTTP 503; 2xx expected.",
        }
    ],
}
_DELIVERY_ID = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="A delivery's id.")


@extend_schema_view(
    list=extend_schema(
        summary="List webhook subscriptions",
        description="Your token's subscriptions, newest first (a recruiter's session sees every token's).",
        responses={200: WebhookSubscriptionSerializer(many=True), **errors(400)},
        examples=[OpenApiExample("A subscription", value=_SUBSCRIPTION_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get a webhook subscription",
        responses={200: WebhookSubscriptionSerializer, **errors(404)},
        examples=[OpenApiExample("A subscription", value=_SUBSCRIPTION_EXAMPLE, response_only=True)],
    ),
)
class WebhookSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiGenericViewSet):
    """Webhook subscriptions: signed POSTs of events to a URL of the integration's choosing."""

    required_scopes = {method: WEBHOOKS_MANAGE for method in ("GET", "POST", "PATCH", "DELETE")}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = WebhookSubscriptionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return webhooks.webhook_subscriptions_visible_to(self.request.user)

    def _owner(self, token_id: int | None) -> IntegrationToken:
        user = self.request.user
        if is_integration(user):
            if token_id is not None and token_id != user.token.pk:
                raise ApplicationError(
                    "invalid_token_id", "A token can only subscribe for itself.", field="token_id"
                )
            return user.token
        if token_id is None:
            raise ApplicationError(
                "token_required", "Name the integration token that owns the subscription.", field="token_id"
            )
        token = IntegrationToken.objects.filter(pk=token_id).first()
        if token is None:
            raise ApplicationError("unknown_token", "No such integration token.", field="token_id")
        return token

    @extend_schema(
        summary="Subscribe to events",
        description="Creates a subscription and returns its signing secret, once. Deliveries are POSTs "
        'signed in `X-Scorecards-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`; '
        "reject timestamps more than 5 minutes old. The URL must be http(s) on a public address. "
        "Each event needs the read scope of what it carries (`scorecard.*`: `scorecards:read`, "
        "`fit_scores.updated`: `scores:read`, `shortlist.ready`: `shortlists:read`, `decision.recorded`: "
        "`decisions:read`, `take_home.graded`: `take_homes:read`), checked here (403 `missing_scope`) and "
        "again before every delivery.",
        request=WebhookSubscriptionCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: WebhookSubscriptionCreatedSerializer, **errors(400, 422)},
        examples=[
            OpenApiExample(
                "Subscribe",
                value={"url": "https://ats.example.com/hooks/scorecards", "events": ["scorecard.submitted"]},
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**_SUBSCRIPTION_EXAMPLE, "secret": "whsec_Jx2…"},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    def create(self, request):
        data = validated_body(WebhookSubscriptionCreateSerializer, request)
        subscription, secret = webhooks.webhook_subscription_create(
            token=self._owner(data.get("token_id")),
            url=data["url"],
            events=data["events"],
            is_active=data["is_active"],
            actor=request.user,
        )
        body = WebhookSubscriptionSerializer(subscription).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a webhook subscription",
        description="Change its URL (checked again), events (each needs the read scope of what it "
        "carries: 403 `missing_scope`) or active flag. The secret stays.",
        request=WebhookSubscriptionUpdateSerializer,
        responses={200: WebhookSubscriptionSerializer, **errors(400, 404)},
        examples=[
            OpenApiExample("Pause it", value={"is_active": False}, request_only=True),
            OpenApiExample("Paused", value={**_SUBSCRIPTION_EXAMPLE, "is_active": False}, response_only=True),
        ],
    )
    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        data = validated_body(WebhookSubscriptionUpdateSerializer, request)
        subscription = webhooks.webhook_subscription_update(
            subscription=subscription, actor=request.user, **data
        )
        return Response(WebhookSubscriptionSerializer(subscription).data)

    @extend_schema(
        summary="Delete a webhook subscription",
        description="Deletes it with its deliveries; nothing more is sent to its URL.",
        request=None,
        responses={204: None, **errors(404)},
        examples=[OpenApiExample("Deleted", value=None, response_only=True, status_codes=["204"])],
    )
    def destroy(self, request, pk=None):
        webhooks.webhook_subscription_delete(subscription=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="List a subscription's deliveries",
        description="Newest first, in cursor pages, each with its attempts (status code, duration, error).",
        responses={200: WebhookDeliverySerializer(many=True), **errors(400, 404)},
        examples=[OpenApiExample("A delivery being retried", value=_DELIVERY_EXAMPLE, response_only=True)],
    )
    @action(detail=True, methods=["get"], url_path="deliveries")
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(webhooks.webhook_deliveries_of(self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again",
        description="Resets the delivery to its first attempt and sends it in the background (202). "
        "A delivery being sent right now answers 409.",
        request=None,
        parameters=[_DELIVERY_ID, IDEMPOTENCY_KEY_PARAMETER],
        responses={202: WebhookDeliverySerializer, **errors(404, 409, 422)},
        examples=[
            OpenApiExample(
                "Queued again",
                value={**_DELIVERY_EXAMPLE, "attempt_count": 0, "next_attempt_at": "2025-03-03T08:00:00Z"},
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, subscription=self.get_object())
        delivery = webhooks.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
        delivery = webhooks.webhook_deliveries_of(delivery.subscription).get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


_router = SimpleRouter(trailing_slash=True)
_router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

api_urlpatterns = [*_router.urls]
