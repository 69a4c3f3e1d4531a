"""The hiring committee's review pages: dashboards, shortlists, candidate profiles, analytics."""

from review.views import analytics, dashboard, profiles, shortlists, takehomes

app_name = "review"

urlpatterns = [
    *dashboard.urlpatterns,
    *shortlists.urlpatterns,
    *profiles.urlpatterns,
    *takehomes.urlpatterns,
    *analytics.urlpatterns,
]
