"""The REST API under /api/v1/: each app's endpoints (its ``api.api_urlpatterns``), side by side."""

from assessments.api import api_urlpatterns as assessments_urlpatterns
from hiring.api import api_urlpatterns as hiring_urlpatterns
from integrations.api.views import api_urlpatterns as integrations_urlpatterns
from scoring.api import api_urlpatterns as scoring_urlpatterns
from takehomes.api import api_urlpatterns as takehomes_urlpatterns

urlpatterns = [
    *assessments_urlpatterns,
    *hiring_urlpatterns,
    *scoring_urlpatterns,
    *takehomes_urlpatterns,
    *integrations_urlpatterns,
]
