"""Pages: the roles with their facts and profiles, and the hiring-need advisor."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from assessments import selectors
from assessments.advisor import advise
from assessments.forms import advisor_form_class


@dataclass(frozen=True)
class Citation:
    """A quoted statement with the document it comes from: its title, and its file as a detail."""

    statement: str
    title: str
    file: str


@dataclass(frozen=True)
class FactRow:
    label: str
    value: str
    as_of: str | None
    inference: bool
    citations: list[Citation] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)


def _citation(documents: dict, document_key: str, statement: str) -> Citation:
    document = documents.get(document_key, {})
    return Citation(statement=statement, title=document.get("title", ""), file=document.get("file", ""))


def fact_rows(facts: list[dict], documents: dict) -> list[FactRow]:
    """A profile's stored facts as the pages show them, each quote with its document's title."""
    rows = []
    for fact in facts:
        sources = fact.get("sources", [])
        rows.append(
            FactRow(
                label=fact["label"],
                value=fact["value"],
                as_of=fact.get("as_of"),
                inference=fact.get("basis") == "inference",
                citations=[
                    _citation(documents, source["document"], source["statement"])
                    for source in sources
                    if source.get("statement")
                ],
                reasoning=[source["reasoning"] for source in sources if source.get("reasoning")],
            )
        )
    return rows


def _current_version_or_404():
    version = selectors.rubric_version_current()
    if version is None:
        raise Http404("No rubric is loaded yet: run `python manage.py load_rubrics`.")
    return version


@login_required
def role_list(request):
    version = _current_version_or_404()
    cards = [
        {"profile": profile, "facts": fact_rows(profile.facts, version.documents)}
        for profile in version.profiles.all()
    ]
    return render(request, "assessments/role_list.html", {"version": version, "cards": cards})


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
            "citation": _citation(version.documents, entry.source_document, entry.source_statement)
            if entry.source_statement
            else None,
        }
        for entry in profile.entries.all()
    ]
    facts = fact_rows(profile.facts, version.documents)
    return render(
        request,
        "assessments/role_detail.html",
        {
            "version": version,
            "profile": profile,
            "document_facts": [fact for fact in facts if not fact.inference],
            "inferences": [fact for fact in facts if fact.inference],
            "entries": entries,
            "scale": scale,
            "top_label": scale[max(scale)],
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
