"""Pages: the roles with their facts and profiles, and the hiring-need advisor."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from assessments import selectors
from assessments.advisor import advise
from assessments.forms import advisor_form_class


def _current_version_or_404():
    version = selectors.rubric_version_current()
    if version is None:
        raise Http404("No rubric is loaded yet: run `python manage.py load_rubrics`.")
    return version


@login_required
def role_list(request):
    version = _current_version_or_404()
    return render(
        request, "assessments/role_list.html", {"version": version, "profiles": version.profiles.all()}
    )


@login_required
def role_detail(request, key: str):
    version = _current_version_or_404()
    profile = next((p for p in version.profiles.all() if p.role.key == key), None)
    if profile is None:
        raise Http404("No such role.")
    scale = {int(level): label for level, label in version.scale.items()}
    entries = [
        {
            "entry": entry,
            "expected_label": scale[entry.expected_level],
            "file": version.documents.get(entry.source_document, {}).get("file", ""),
        }
        for entry in profile.entries.all()
    ]
    return render(
        request,
        "assessments/role_detail.html",
        {
            "version": version,
            "profile": profile,
            "entries": entries,
            "scale": scale,
            "areas": version.areas.all(),
        },
    )


@login_required
def advisor(request):
    version = _current_version_or_404()
    form_class = advisor_form_class(version.advisor["questions"])
    # The form sends ``asked`` with the answers, so "Advise me" with nothing ticked is bound and
    # answered with the required-answer errors rather than taken for a first visit.
    form = form_class(request.GET or None)
    advice = None
    if form.is_bound and form.is_valid():
        advice = advise(
            advisor=version.advisor,
            role_names={profile.role.key: profile.role.name for profile in version.profiles.all()},
            documents=version.documents,
            answers=form.cleaned_data,
        )
        if advice is None:
            form.add_error(None, "No recommendation in the documents covers this situation.")
    return render(request, "assessments/advisor.html", {"form": form, "advice": advice, "version": version})
