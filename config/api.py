"""The REST API under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.api import AdvisorView, RoleViewSet, RubricVersionViewSet

router = DefaultRouter(trailing_slash=True)
router.register("roles", RoleViewSet, basename="role")
router.register("rubric-versions", RubricVersionViewSet, basename="rubric-version")

urlpatterns = [
    path("advisor/", AdvisorView.as_view(), name="advisor"),
    *router.urls,
]
