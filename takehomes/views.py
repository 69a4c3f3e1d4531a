"""The candidate's pages: no account, only the link from their e-mail.

Opening the link shows what the exercise is and a button that starts it (a GET never
uses the link up, so a mail scanner that follows links cannot start the clock). Starting
gives this browser's session the take-home, and its pages check that grant: a take-home
id without it is a 404, as is someone else's. Downloads are streamed from the private
storage, and the test labels are never among them. Nothing here shows a score against
the hidden labels, before the final submission or after.
"""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ApplicationError, form_add_application_error
from takehomes.forms import SubmissionForm
from takehomes.models import TakeHome
from takehomes.services import (
    submission_finalise,
    submission_missing,
    submission_upload,
    take_home_current,
    take_home_open,
)

GRANTS = "take_home_grants"
DOWNLOADS = {"train": ("train_file", "train.csv"), "test": ("test_features_file", "test_features.csv")}


def _granted(request) -> list[int]:
    return list(request.session.get(GRANTS, []))


def _take_home_or_404(request, pk: int) -> TakeHome:
    if pk not in _granted(request):
        raise Http404("No such take-home.")
    try:
        return take_home_current(take_home_id=pk)
    except TakeHome.DoesNotExist as missing:
        raise Http404("No such take-home.") from missing


def _page_url(pk: int) -> str:
    return reverse("takehomes:page", args=[pk])


@never_cache
@require_http_methods(["GET", "POST"])
def start(request, token: str):
    take_home = TakeHome.objects.for_token(token).select_related("exercise").first()
    if take_home is not None and take_home.pk in _granted(request):
        return HttpResponseRedirect(_page_url(take_home.pk))
    if request.method == "GET":
        if take_home is None:
            return render(
                request, "takehomes/link_refused.html", {"reason": "This link is not valid."}, status=404
            )
        return render(
            request, "takehomes/start.html", {"take_home": take_home, "exercise": take_home.exercise}
        )
    try:
        opened = take_home_open(token=token)
    except ApplicationError as error:
        return render(
            request, "takehomes/link_refused.html", {"reason": error.message}, status=error.status_code
        )
    request.session.cycle_key()  # a fresh session id for the new grant
    request.session[GRANTS] = [*_granted(request), opened.pk]
    return HttpResponseRedirect(_page_url(opened.pk))


@never_cache
@require_http_methods(["GET", "POST"])
def page(request, pk: int):
    take_home = _take_home_or_404(request, pk)
    exercise = take_home.exercise
    form = SubmissionForm(requires_model=exercise.requires_model)
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, requires_model=exercise.requires_model)
        if form.is_valid():
            try:
                submission_upload(
                    take_home=take_home,
                    predictions=form.cleaned_data.get("predictions"),
                    model=form.cleaned_data.get("model"),
                    contract=form.contract(),
                )
            except ApplicationError as error:
                form_add_application_error(form, error)
            else:
                messages.success(
                    request, "Saved. You can replace anything until you submit the final version."
                )
                return HttpResponseRedirect(_page_url(pk))
    submission = getattr(take_home, "submission", None)
    if request.method == "GET" and submission is not None and submission.contract:
        form = SubmissionForm(initial=submission.contract, requires_model=exercise.requires_model)
    return render(
        request,
        "takehomes/page.html",
        {
            "take_home": take_home,
            "exercise": exercise,
            "submission": submission,
            "form": form,
            "open_for_uploads": take_home.is_open_for_uploads(),
            "missing": submission_missing(take_home=take_home),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
def submit(request, pk: int):
    take_home = _take_home_or_404(request, pk)
    try:
        submission_finalise(take_home=take_home)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Thank you: your final submission is in. The hiring team will be in touch.")
    return HttpResponseRedirect(_page_url(pk))


@never_cache
def download(request, pk: int, what: str):
    take_home = _take_home_or_404(request, pk)
    if what not in DOWNLOADS:
        raise Http404("No such file.")
    field_name, filename = DOWNLOADS[what]
    field = getattr(take_home.exercise, field_name)
    return FileResponse(field.open("rb"), as_attachment=True, filename=filename, content_type="text/csv")
