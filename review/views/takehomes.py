"""A take-home's report page (mounted by review/urls.py under ``/review/take-homes/<pk>/``).

Everything on it was graded automatically: the metrics with their 95% intervals, the model's
measurements, the contract item by item, the skill-area levels and the copy flags. Who may
read it is ``review.selectors.take_home_for_report``'s rule, the scorecards' independence
rule: an interviewer of the application sees the page only with a sentence saying why the
report is hidden until they have submitted their own scorecard.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from review.selectors import rubric_area_names, take_home_for_report
from review.take_home_report import take_home_panels


@login_required
@require_GET
def take_home_report(request, pk: int):
    access = take_home_for_report(request.user, pk)
    take_home = access.take_home
    application = take_home.application
    panel = None
    if access.report_visible:
        area_names = rubric_area_names(application.opening.rubric_version_id)
        [panel] = take_home_panels(
            [take_home], area_names=area_names, viewer=request.user, now=timezone.now()
        )
    return render(
        request,
        "review/take_home_report.html",
        {
            "access": access,
            "take_home": take_home,
            "application": application,
            "candidate": application.candidate,
            "opening": application.opening,
            "panel": panel,
            "report_heading": 2,
        },
    )


urlpatterns: list = [
    path("take-homes/<int:pk>/", take_home_report, name="take-home-report"),
]
