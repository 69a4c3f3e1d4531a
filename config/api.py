"""The REST API under /api/v1/: each app's endpoints, mounted side by side."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api import AdvisorView, RoleViewSet, RubricVersionViewSet
from hiring.api import api_urlpatterns as hiring_urlpatterns
from integrations.api import api_urlpatterns as integrations_urlpatterns
from scoring.api import api_urlpatterns as scoring_urlpatterns

router = SimpleRouter(trailing_slash=True)
router.register("roles", RoleViewSet, basename="role")
router.register("rubric-versions", RubricVersionViewSet, basename="rubric-version")

urlpatterns = [
    path("advisor/", AdvisorView.as_view(), name="advisor"),
    *router.urls,
    *hiring_urlpatterns,
    *scoring_urlpatterns,
    *integrations_urlpatterns,
]
