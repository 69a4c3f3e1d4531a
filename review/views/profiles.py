"""Committee review pages: a candidate's profile, the decision form and the print-friendly debrief.

Mounted by review/urls.py under ``/review/``. Every page finds the
application through ``scoring.selectors.application_for_review``: recruiters
see every application, committee members the applications of the openings
they sit on, and anyone else gets a 404 that does not confirm it exists. The
pages show submitted scorecards only (never drafts) and never any
self-reported demographic data.

The profile's take-home section sends an exercise (``take_home_send``, idempotent) and a
fresh link (``take_home_link_renew``), and shows each take-home's status and, once graded,
its report (``review.take_home_report``), marked as graded automatically.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError, form_add_application_error
from config.forms import LongTextField
from hiring.models import Application, Decision, Interview
from hiring.services import decision_record
from review import charts
from review.selectors import application_profile_data, take_home_for_review
from review.take_home_report import take_home_panels
from scoring.engine import CLEAR_BELOW
from scoring.selectors import AreaContribution, RoleFit, application_for_review
from takehomes.models import Exercise
from takehomes.services import exercises_published, take_home_link_renew, take_home_send

CHART_ID = "skill-chart"


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose advance, hold or reject."},
    )
    rationale = LongTextField(
        label="Rationale",
        max_length=10_000,
        error_messages={"required": "Give the reason for the decision."},
        help_text="Why: the evidence the committee weighed. Kept with the decision and sent to the ATS.",
    )


class ExerciseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Exercise) -> str:
        return f"{obj.title} (v{obj.version}, for {obj.role.name})"


class TakeHomeSendForm(forms.Form):
    exercise = ExerciseChoiceField(
        label="Exercise",
        queryset=Exercise.objects.none(),
        empty_label="Choose an exercise",
        error_messages={
            "required": "Choose the exercise to send.",
            "invalid_choice": "Choose one of the published exercises.",
        },
        help_text="The candidate gets a link by e-mail; sending the same exercise again sends nothing.",
    )

    def __init__(self, *args, opening=None, **kwargs):
        super().__init__(*args, **kwargs)
        exercises = exercises_published()
        self.fields["exercise"].queryset = exercises
        if opening is not None and not self.is_bound:
            # The opening's role's newest exercise first in mind: chosen unless the user picks another.
            own = exercises.filter(role_id=opening.role_id).order_by("-version").first()
            if own is not None:
                self.fields["exercise"].initial = own.pk


class TakeHomeRenewForm(forms.Form):
    """No fields: the button. It carries the refusal of a fresh link to the page's error summary."""


@dataclass(frozen=True)
class SkillRow(charts.SkillChartRow):
    """A skill chart row and, for its table, the level the take-home's grade gave the area (if any)."""

    take_home_level: int | None = None


@dataclass(frozen=True)
class MustHaveView:
    """One must-have bar of a role and the probability that the candidate is below it."""

    area: str
    name: str
    minimum: int
    below_probability: float | None
    likely_missed: bool  # the stored flag: probability 0.5 or more

    @property
    def clearly_missed(self) -> bool:
        return self.below_probability is not None and self.below_probability >= CLEAR_BELOW


@dataclass(frozen=True)
class RoleFitView:
    """A role's stored fit with display names for the role and its areas."""

    fit: RoleFit
    name: str
    is_opening_role: bool
    consider_role_name: str | None
    below_bar_names: list[str]
    areas: list[tuple[str, AreaContribution]]  # (area name, its part of the fit)
    must_haves: list[MustHaveView]  # in the rubric's area order

    @property
    def bars_likely_missed(self) -> list[MustHaveView]:
        return [bar for bar in self.must_haves if bar.likely_missed]


def _must_haves(role_fit: RoleFit, area_names: dict[str, str]) -> list[MustHaveView]:
    return [
        MustHaveView(
            area=part.area,
            name=area_names.get(part.area, part.area),
            minimum=part.minimum_level,
            below_probability=part.below_bar_probability,  # the stored one (see application_fit_report)
            likely_missed=part.area in role_fit.below_bar,
        )
        for part in role_fit.breakdown
        if part.minimum_level is not None
    ]


def _profile_context(request, application: Application) -> dict:
    """Everything the profile and the debrief show, loaded in a fixed number of queries."""
    opening = application.opening
    profile = application_profile_data(user=request.user, application=application)
    estimates = profile.state.estimates if profile.state is not None else {}
    # The areas the take-home grader rated: its scorecards are evidence like any other, marked as automated.
    take_home_levels = {
        rating.area.key: rating.level
        for scorecard in profile.scorecards
        if scorecard.interview.kind == Interview.Kind.TAKE_HOME
        for rating in scorecard.ratings.all()
        if rating.level is not None and not rating.not_assessed
    }
    rows = []
    for entry in profile.entries:
        stored = estimates.get(entry.area.key)
        estimate, standard_error, n_ratings = stored if stored else (None, None, 0)
        if not n_ratings:
            # The posterior of an area nobody rated is a prediction: the chart and its table show
            # measurements, so it reads "not assessed" there (the fit breakdown shows the prediction).
            estimate = standard_error = None
        rows.append(
            SkillRow(
                area=entry.area.key,
                label=entry.area.name,
                estimate=None if estimate is None else float(estimate),
                standard_error=None if standard_error is None else float(standard_error),
                n_ratings=int(n_ratings),
                expected_level=entry.expected_level,
                minimum_level=entry.minimum_level,
                take_home_level=take_home_levels.get(entry.area.key),
            )
        )
    candidate_name = application.candidate.name
    chart_title = f"Skill estimates for {candidate_name} against the {opening.role.name} profile"
    chart_description = charts.skill_chart_description(rows=rows, role_name=opening.role.name)
    # Both layouts are rendered; the page's CSS shows the narrow one (labels above the bars) on a phone.
    chart, chart_narrow = (
        charts.skill_chart_svg(
            rows=rows, chart_id=chart_id, title=chart_title, description=chart_description, layout=layout
        )
        for chart_id, layout in ((CHART_ID, charts.WIDE), (f"{CHART_ID}-narrow", charts.NARROW))
    )

    area_names, role_names = profile.area_names, profile.role_names
    fits = [
        RoleFitView(
            fit=role_fit,
            name=role_names.get(role_fit.role, role_fit.role),
            is_opening_role=role_fit.role == opening.role.key,
            consider_role_name=role_names.get(role_fit.consider_role) if role_fit.consider_role else None,
            below_bar_names=[area_names.get(key, key) for key in role_fit.below_bar],
            areas=[
                (area_names.get(part.area, part.area), part) for part in role_fit.breakdown if part.weight > 0
            ],
            must_haves=_must_haves(role_fit, area_names),
        )
        for role_fit in profile.fits
    ]
    fits.sort(key=lambda role: not role.is_opening_role)  # the opening's role first, the others in order
    return {
        "application": application,
        "candidate": application.candidate,
        "opening": opening,
        "chart": chart,
        "chart_narrow": chart_narrow,
        "chart_id": CHART_ID,
        "chart_rows": rows,
        "scored_at": profile.state.computed_at if profile.state is not None else None,
        "fits": fits,
        "scorecards": profile.scorecards,
        "decisions": profile.decisions,
        "take_homes": take_home_panels(
            profile.take_homes, area_names=area_names, viewer=request.user, now=timezone.now()
        ),
        "take_home_areas": [row.label for row in rows if row.take_home_level is not None],
        "report_heading": 4,
    }


def _profile_page(request, application: Application, *, status: int = 200, **forms_on_page):
    """The profile with its forms: each unbound unless the action that failed passes its bound one."""
    context = _profile_context(request, application)
    context["form"] = forms_on_page.get("form") or DecisionForm()
    context["take_home_form"] = forms_on_page.get("take_home_form") or TakeHomeSendForm(
        opening=application.opening
    )
    context["renew_form"] = forms_on_page.get("renew_form")
    return render(request, "review/profile.html", context, status=status)


@login_required
@require_GET
def application_profile(request, pk: int):
    application = application_for_review(request.user, pk)
    return _profile_page(request, application)


@login_required
@require_POST
def application_decide(request, pk: int):
    """Record advance / hold / reject with a rationale; invalid input re-renders the profile with errors."""
    application = application_for_review(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = decision_record(
                application=application,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
                actor=request.user,
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(
                request,
                f"Decision recorded: {decision.get_outcome_display()} for {application.candidate.name}.",
            )
            return redirect("review:application-profile", pk=application.pk)
    return _profile_page(request, application, status=400, form=form)


@login_required
@require_POST
def application_take_home_send(request, pk: int):
    """Send a published exercise to the candidate; sending it again says so and sends nothing."""
    application = application_for_review(request.user, pk)
    form = TakeHomeSendForm(request.POST, opening=application.opening)
    status = 400
    if form.is_valid():
        exercise = form.cleaned_data["exercise"]
        try:
            take_home, created = take_home_send(
                application=application, exercise=exercise, actor=request.user
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
            status = error.status_code
        else:
            candidate = application.candidate
            if created:
                expires = timezone.localtime(take_home.expires_at)
                messages.success(
                    request,
                    f"Take-home “{exercise.title}” sent to {candidate.name} at {candidate.email}; "
                    f"the link expires on {expires:%d %B %Y, %H:%M}.",
                )
            else:
                messages.info(
                    request,
                    f"“{exercise.title}” was already sent to {candidate.name} on "
                    f"{timezone.localtime(take_home.sent_at):%d %B %Y}: nothing was sent again. "
                    "If the candidate lost the link, send a new one.",
                )
            return redirect(f"{reverse('review:application-profile', args=[application.pk])}#take-homes-h")
    return _profile_page(request, application, status=status, take_home_form=form)


@login_required
@require_POST
def take_home_renew(request, pk: int):
    """Send the candidate a fresh link (the old one stops working); refused once they have submitted."""
    take_home = take_home_for_review(request.user, pk)
    application = take_home.application
    form = TakeHomeRenewForm(request.POST)
    form.is_valid()
    try:
        take_home = take_home_link_renew(take_home=take_home, actor=request.user)
    except ApplicationError as error:
        form_add_application_error(form, error)
        return _profile_page(request, application, status=error.status_code, renew_form=form)
    messages.success(
        request,
        f"A new link for “{take_home.exercise.title}” was sent to {application.candidate.name}; "
        "the previous link no longer works.",
    )
    return redirect(f"{reverse('review:application-profile', args=[application.pk])}#take-homes-h")


@login_required
@require_GET
def application_debrief(request, pk: int):
    application = application_for_review(request.user, pk)
    return render(request, "review/debrief.html", _profile_context(request, application))


urlpatterns: list = [
    path("applications/<int:pk>/", application_profile, name="application-profile"),
    path("applications/<int:pk>/decision/", application_decide, name="application-decide"),
    path("applications/<int:pk>/debrief/", application_debrief, name="application-debrief"),
    path("applications/<int:pk>/take-homes/", application_take_home_send, name="take-home-send"),
    path("take-homes/<int:pk>/renew/", take_home_renew, name="take-home-renew"),
]
