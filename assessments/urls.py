from django.urls import path

from assessments.views import rubrics, scorecards

app_name = "assessments"

urlpatterns = [
    path("roles/", rubrics.role_list, name="role-list"),
    path("roles/<slug:key>/", rubrics.role_detail, name="role-detail"),
    path("advisor/", rubrics.advisor, name="advisor"),
    path("interviews/", scorecards.my_interviews, name="my-interviews"),
    path("interviews/<int:pk>/scorecard/", scorecards.scorecard_edit, name="scorecard-edit"),
    path("interviews/<int:pk>/scorecard/submit/", scorecards.scorecard_confirm, name="scorecard-confirm"),
    path("interviews/<int:pk>/kit/", scorecards.interview_kit, name="interview-kit"),
    path("scorecards/<int:pk>/", scorecards.scorecard_detail, name="scorecard-detail"),
    path("scorecards/<int:pk>/amend/", scorecards.scorecard_amend_view, name="scorecard-amend"),
]
