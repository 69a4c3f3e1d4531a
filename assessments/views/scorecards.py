"""Interviewer pages: my interviews, the scorecard form, submit, amend, the interview kit.

Every page finds its objects through selectors that filter by the user, so an
interview or scorecard the user may not see is a 404, never a 403 that would
confirm it exists.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from assessments import selectors
from assessments.forms import (
    rating_inputs,
    scorecard_form_class,
    scorecard_initial,
)
from assessments.models import Recommendation
from assessments.services import (
    interview_not_started_check,
    scorecard_amend,
    scorecard_save_draft,
    scorecard_submit,
    scorecard_validate_complete,
)
from config.errors import ApplicationError, form_add_application_error
from hiring.roles import is_recruiter


@login_required
def my_interviews(request):
    sections = selectors.interview_sections(user=request.user, now=timezone.now())
    return render(request, "assessments/my_interviews.html", {"sections": sections})


def _interview_or_404(request, pk: int):
    interview = selectors.interview_for_interviewer(user=request.user, pk=pk)
    if interview is None:
        raise Http404("No such interview among yours.")
    return interview


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit(request, pk: int):
    """The scorecard form: save a draft, or review it before submitting."""
    interview = _interview_or_404(request, pk)
    scorecard = selectors.own_scorecard(user=request.user, interview=interview)
    if scorecard is not None and scorecard.is_submitted:
        messages.info(request, "This scorecard is submitted and read-only. Amend it to change it.")
        return redirect("assessments:scorecard-detail", pk=scorecard.pk)
    form_class = scorecard_form_class(
        interview.focus_areas.all(), level_names=level_names(interview.application.opening.rubric_version)
    )
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                scorecard = scorecard_save_draft(
                    interview=interview,
                    user=request.user,
                    recommendation=form.cleaned_data["recommendation"],
                    summary=form.cleaned_data["summary"],
                    ratings=rating_inputs(form),
                )
                if request.POST.get("action") == "review":
                    # The draft is kept; only submitting waits for the interview to start.
                    interview_not_started_check(interview)
                    scorecard_validate_complete(scorecard=scorecard)
                    return redirect("assessments:scorecard-confirm", pk=interview.pk)
                messages.success(request, "Draft saved. Nobody else can see it.")
                return redirect("assessments:scorecard-edit", pk=interview.pk)
            except ApplicationError as error:
                form_add_application_error(form, error)
        status = 400
    else:
        form = form_class(initial=scorecard_initial(scorecard))
    return _form_render(request, interview=interview, scorecard=scorecard, form=form, status=status)


def level_names(version) -> dict[int, str]:
    """The rubric's names of the scale's levels: {1: "Not yet", ..., 5: "Leading"}."""
    return {int(level): name for level, name in (version.scale or {}).items()}


def _rating_choices(bound_field, area, names: dict[int, str]) -> list[dict]:
    """Each radio of an area's rating with its level, the level's name and the anchor, for the template."""
    anchors = {anchor.level: anchor.description for anchor in area.anchors.all()}
    choices = []
    for radio in bound_field:
        value = radio.data["value"]
        level = int(value) if value.isdigit() else None
        choices.append(
            {
                "radio": radio,
                "level": level,
                "name": names.get(level, "") if level else "",
                "anchor": anchors.get(level, "") if level else "",
            }
        )
    return choices


def _form_render(request, *, interview, scorecard, form, status: int, amend: bool = False):
    version = scorecard.rubric_version if amend else interview.application.opening.rubric_version
    names = level_names(version)
    areas = [
        {
            "area": area,
            "rating": form[f"rating_{area.key}"],
            "choices": _rating_choices(form[f"rating_{area.key}"], area, names),
            "evidence": form[f"evidence_{area.key}"],
        }
        for area in interview.focus_areas.all()
    ]
    context = {"interview": interview, "scorecard": scorecard, "form": form, "areas": areas, "amend": amend}
    return render(request, "assessments/scorecard_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_confirm(request, pk: int):
    """Review the draft as it will be submitted, then confirm."""
    interview = _interview_or_404(request, pk)
    scorecard = selectors.own_scorecard(user=request.user, interview=interview)
    if scorecard is None:
        messages.error(request, "Save your scorecard before submitting it.")
        return redirect("assessments:scorecard-edit", pk=interview.pk)
    if scorecard.is_submitted:
        return redirect("assessments:scorecard-detail", pk=scorecard.pk)
    if request.method == "POST":
        try:
            scorecard = scorecard_submit(scorecard=scorecard, user=request.user)
        except ApplicationError as error:
            messages.error(request, f"{error.message} {' '.join(error.fields.values())}".strip())
            return redirect("assessments:scorecard-edit", pk=interview.pk)
        messages.success(request, "Scorecard submitted. It is now read-only.")
        return redirect("assessments:scorecard-detail", pk=scorecard.pk)
    return render(
        request,
        "assessments/scorecard_confirm.html",
        {"interview": interview, "scorecard": scorecard, "ratings": _ratings_with_anchors(scorecard)},
    )


def _ratings_with_anchors(scorecard) -> list[dict]:
    rows = []
    for rating in scorecard.ratings.all():
        anchor = next((a.description for a in rating.area.anchors.all() if a.level == rating.level), "")
        rows.append({"rating": rating, "anchor": anchor})
    return rows


@login_required
def scorecard_detail(request, pk: int):
    """A scorecard, read-only, with its history; others' scorecards where the rules allow."""
    scorecard = selectors.scorecard_for_viewer(user=request.user, pk=pk)
    if scorecard is None:
        raise Http404("No such scorecard among those you may see.")
    application = scorecard.interview.application
    others = [
        other
        for other in selectors.scorecards_visible_to(user=request.user, application_id=application.pk)
        if other.pk != scorecard.pk and other.is_submitted
    ]
    can_amend = scorecard.is_submitted and (
        scorecard.interviewer_id == request.user.pk or is_recruiter(request.user)
    )
    return render(
        request,
        "assessments/scorecard_detail.html",
        {
            "scorecard": scorecard,
            "application": application,
            "revisions": scorecard.revisions.all(),
            "others": others,
            "can_amend": can_amend,
            "recommendations": dict(Recommendation.choices),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_amend_view(request, pk: int):
    """Amend a submitted scorecard: the same form plus a required reason."""
    scorecard = selectors.scorecard_for_viewer(user=request.user, pk=pk)
    if scorecard is None or not (scorecard.interviewer_id == request.user.pk or is_recruiter(request.user)):
        raise Http404("No such scorecard among those you may amend.")
    if not scorecard.is_submitted:
        return redirect("assessments:scorecard-edit", pk=scorecard.interview_id)
    interview = selectors.interview_for_kit(user=request.user, pk=scorecard.interview_id)
    form_class = scorecard_form_class(
        interview.focus_areas.all(), level_names=level_names(scorecard.rubric_version), amend=True
    )
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                scorecard_amend(
                    scorecard=scorecard,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    recommendation=form.cleaned_data["recommendation"],
                    summary=form.cleaned_data["summary"],
                    ratings=rating_inputs(form),
                    expected_revision=form.cleaned_data["revision"],
                )
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                messages.success(request, "Scorecard amended. The previous version is kept in its history.")
                return redirect("assessments:scorecard-detail", pk=scorecard.pk)
        status = 400
    else:
        form = form_class(initial=scorecard_initial(scorecard))
    return _form_render(
        request, interview=interview, scorecard=scorecard, form=form, status=status, amend=True
    )


@login_required
def interview_kit(request, pk: int):
    """A print-friendly preparation page: candidate, focus areas, their anchors and questions."""
    interview = selectors.interview_for_kit(user=request.user, pk=pk)
    if interview is None:
        raise Http404("No such interview among yours.")
    return render(request, "assessments/interview_kit.html", {"interview": interview})
