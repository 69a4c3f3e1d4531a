from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from config.views import after_login, favicon

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/start/", after_login, name="after-login"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("", include("assessments.urls", namespace="assessments")),
    path("review/", include("review.urls", namespace="review")),
    path("", include("takehomes.urls", namespace="takehomes")),
    # Greenhouse's Assessment Partner API, hosted by us (takehomes.partners.greenhouse).
    path("partners/greenhouse/", include("takehomes.partners.urls", namespace="partners-greenhouse")),
]


def _not_found(request, exception):
    """JSON for API paths (clients parse every answer), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"code": "not_found", "detail": "No such resource."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


handler404 = _not_found
