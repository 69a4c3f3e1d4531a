"""Committee review pages: shortlist snapshots, their comparison and CSV export (mounted by review/urls.py).

A snapshot's table shows, per candidate, the fit for every role (the posterior
mean) with its 80% posterior interval, the coverage, the probability of meeting
every must-have bar of the snapshot's role, the bars likely missed with their
probabilities and the other flags stored in the snapshot, and, read live, the
application's stage and the interviewers' recommendations. Every table costs a
fixed number of queries whatever its length; sorting and filtering happen in
Python on the loaded rows, so they add none.

The rows are read by ``review.selectors.review_rows``; who disagrees is
``scoring.analytics.disagreement``'s rule, shown on the page as
``DISAGREEMENT_RULE``.
"""

import csv
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import path
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from assessments.models import Recommendation, Role
from assessments.selectors import role_list
from config.errors import ApplicationError, form_add_application_error
from hiring.models import Application, Opening
from review.selectors import (
    MustHave,
    ReviewRow,
    opening_shortlist_newest,
    opening_snapshots,
    review_rows,
    shortlist_for_review,
    shortlist_parameters,
    shortlist_previous,
    shortlists_compare,
)
from review.templatetags.review import coverage_percent
from scoring.analytics import DISAGREEMENT_RULE
from scoring.engine import CLEAR_BELOW
from scoring.models import Shortlist
from scoring.selectors import opening_for_review
from scoring.shortlists import shortlist_create

FLAGS = [
    ("below_bar", "Likely below a must-have bar"),
    ("consider", "Consider for another role"),
    ("disagreement", "Interviewers disagree"),
]
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEETS_BARS_LABEL = "Probability of meeting every must-have"
# Coverage is a percentage of the role's weight assessed, on the page and in the CSV alike.
COVERAGE_LABEL = "Coverage (%)"
COVERAGE_CSV_COLUMN = "coverage_percent"


# Sorting and filtering ------------------------------------------------------------


def sort_keys(roles: list[Role]) -> dict[str, str]:
    """Sort key -> the direction a first click sorts by: names and ranks ascending, scores descending."""
    return {
        "rank": "",
        "name": "",
        **{f"fit_{role.key}": "-" for role in roles},
        "coverage": "-",
        "meets_bars": "-",
    }


def _sort_value(row: ReviewRow, key: str):
    if key == "rank":
        return row.rank
    if key == "name":
        return row.candidate.casefold()
    if key == "coverage":
        return row.coverage
    if key == "meets_bars":
        return row.meets_bars_probability
    return row.fit_for(key.removeprefix("fit_"))


def rows_sorted(rows: list[ReviewRow], sort: str) -> list[ReviewRow]:
    """Rows by ``sort`` (a key, ``-`` first for descending); missing fits always last, then by rank."""
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    present = [row for row in rows if _sort_value(row, key) is not None]
    missing = [row for row in rows if _sort_value(row, key) is None]
    present.sort(key=lambda row: row.rank)
    present.sort(key=lambda row: _sort_value(row, key), reverse=descending)  # stable: ties keep rank order
    return present + missing


class ShortlistFilterForm(forms.Form):
    sort = forms.CharField(required=False)
    stage = forms.MultipleChoiceField(
        choices=Application.Stage.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    min_coverage = forms.IntegerField(
        label="Minimum coverage (%)", min_value=0, max_value=100, required=False
    )
    flag = forms.MultipleChoiceField(
        label="Only with", choices=FLAGS, required=False, widget=forms.CheckboxSelectMultiple
    )


def rows_filtered(rows: list[ReviewRow], data: dict) -> list[ReviewRow]:
    stages = set(data.get("stage") or [])
    min_coverage = data.get("min_coverage")
    flags = set(data.get("flag") or [])
    kept = []
    for row in rows:
        if stages and row.stage not in stages:
            continue
        if min_coverage is not None and row.coverage * 100 < min_coverage - 1e-9:
            continue
        if "below_bar" in flags and not row.below_bar:
            continue
        if "consider" in flags and not row.consider_role:
            continue
        if "disagreement" in flags and not row.disagreement:
            continue
        kept.append(row)
    return kept


@dataclass(frozen=True)
class Header:
    label: str
    next_sort: str | None
    aria_sort: str | None
    column: str  # the column's class, ``col-<column>``: its width, and whether it stays in view
    numeric: bool = False
    own_role: bool = False
    other_role: bool = False


def table_headers(roles: list[Role], sort: str, own_role_id: int) -> list[Header]:
    """The table's column headers, with the sort each one's link asks for and ARIA state.

    The snapshot's own role comes first: rank, candidate, stage, its fit, its
    coverage and bars, flags and recommendations fit a 1280 px screen. The other
    roles' fits follow in compact columns; rank and candidate stay in view when
    the table scrolls sideways to them.
    """
    first_direction = sort_keys(roles)
    current, descending = sort.removeprefix("-"), sort.startswith("-")

    def header(label: str, key: str | None, column: str, **flags: bool) -> Header:
        if key is None:
            return Header(label, None, None, column, **flags)
        if key == current:
            return Header(
                label,
                key if descending else f"-{key}",
                "descending" if descending else "ascending",
                column,
                **flags,
            )
        return Header(label, f"{first_direction[key]}{key}", None, column, **flags)

    own = [role for role in roles if role.pk == own_role_id]
    others = [role for role in roles if role.pk != own_role_id]
    return [
        header("Rank", "rank", "rank", numeric=True),
        header("Candidate", "name", "candidate"),
        header("Stage", None, "stage"),
        *[
            header(f"{role.name} fit (80% interval)", f"fit_{role.key}", "fit", numeric=True, own_role=True)
            for role in own
        ],
        header(COVERAGE_LABEL, "coverage", "coverage", numeric=True),
        header(MEETS_BARS_LABEL, "meets_bars", "meets", numeric=True),
        header("Flags", None, "flags"),
        header("Interviewers' recommendations", None, "recommendations"),
        *[
            header(f"{role.name} fit (80% interval)", f"fit_{role.key}", "fit", numeric=True, other_role=True)
            for role in others
        ],
    ]


# Forms ----------------------------------------------------------------------------


class ShortlistCreateForm(forms.Form):
    order_by = forms.ChoiceField(
        label="Order by",
        choices=Shortlist.OrderBy.choices,
        initial=Shortlist.OrderBy.FIT,
        help_text="Fit: the posterior mean. Lower bound: favours well-evidenced candidates. Probability of "
        "meeting every must-have: the surest to clear the bars first. In every order, candidates clearly "
        f"below a must-have (a probability of {CLEAR_BELOW:.0%} or more) come after all others.",
        widget=forms.Select(attrs={"aria-describedby": "id_order_by-help"}),
    )
    min_coverage = forms.IntegerField(
        label="Minimum coverage (%)", min_value=0, max_value=100, initial=0, required=False
    )
    min_fit = forms.FloatField(label="Minimum fit (0-100)", min_value=0, max_value=100, required=False)
    stages = forms.MultipleChoiceField(
        label="Stages (none ticked: all)",
        choices=Application.Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    limit = forms.IntegerField(label="Keep the top (empty: all)", min_value=1, required=False)


# Views ----------------------------------------------------------------------------


def _table_context(request, shortlist: Shortlist | None, opening: Opening) -> dict:
    roles = list(role_list())
    filters = ShortlistFilterForm(request.GET, auto_id="id_filter_%s")  # the create form has min_coverage too
    data = filters.cleaned_data if filters.is_valid() else {}
    sort = data.get("sort") or "rank"
    if sort.removeprefix("-") not in sort_keys(roles):
        sort = "rank"
    rows, previous = [], None
    if shortlist is not None:
        shortlist.opening = opening  # loaded already: spare the look-up
    if shortlist is not None and shortlist.status == Shortlist.Status.READY:
        rows = rows_sorted(rows_filtered(review_rows(shortlist, roles).rows, data), sort)
        previous = shortlist_previous(shortlist)
    return {
        "opening": opening,
        "shortlist": shortlist,
        "parameters": shortlist_parameters(shortlist) if shortlist is not None else [],
        "previous": previous,
        "roles": roles,
        "rows": rows,
        "headers": table_headers(roles, sort, shortlist.role_id if shortlist else opening.role_id),
        "sort": sort,
        "filters": filters,
        "disagreement_rule": DISAGREEMENT_RULE,
        "snapshots": opening_snapshots(opening),
        "create_form": ShortlistCreateForm(),
    }


@login_required
def opening_shortlist(request, pk: int):
    """The newest ready snapshot for the opening's role, and any newer one still being built."""
    opening = opening_for_review(request.user, pk)
    ready, newer_pending = opening_shortlist_newest(opening)
    context = _table_context(request, ready, opening)
    context.update(newest_view=True, pending=newer_pending)
    return render(request, "review/shortlist_detail.html", context)


@login_required
def shortlist_detail(request, pk: int):
    shortlist = shortlist_for_review(request.user, pk)
    context = _table_context(request, shortlist, shortlist.opening)
    context.update(
        newest_view=False, pending=[shortlist] if shortlist.status == Shortlist.Status.PENDING else []
    )
    return render(request, "review/shortlist_detail.html", context)


@login_required
@require_POST
def shortlist_create_view(request, pk: int):
    opening = opening_for_review(request.user, pk)
    form = ShortlistCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shortlist = shortlist_create(
                opening=opening,
                user=request.user,
                order_by=data["order_by"],
                min_coverage=(data["min_coverage"] or 0) / 100,
                min_fit=data["min_fit"],
                stages=data["stages"],
                limit=data["limit"],
            )
        except ApplicationError as error:
            form_add_application_error(form, error)
        else:
            messages.success(request, "Snapshot requested; it appears here once built.")
            return redirect("review:shortlist-detail", pk=shortlist.pk)
    context = _table_context(request, None, opening)
    context.update(newest_view=True, pending=[], create_form=form)
    return render(request, "review/shortlist_detail.html", context, status=400)


@login_required
def shortlist_compare(request, pk: int):
    shortlist = shortlist_for_review(request.user, pk)
    previous = shortlist_previous(shortlist)
    comparison = None
    if previous is not None and shortlist.status == Shortlist.Status.READY:
        comparison = shortlists_compare(shortlist, previous)
    return render(
        request,
        "review/shortlist_compare.html",
        {
            "opening": shortlist.opening,
            "shortlist": shortlist,
            "previous": previous,
            "comparison": comparison,
        },
    )


def csv_safe(value) -> str:
    """The cell as text, quoted against formula injection when a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(CSV_FORMULA_STARTS) else text


def _number(value: float | None, digits: int = 1) -> str:
    # The page's own rounding (half up), so the file and the page show the same figures.
    return "" if value is None else floatformat(value, f"{digits}u")  # "u": never localised


def csv_header(roles: list[Role], must_haves: list[MustHave]) -> list[str]:
    """Fit (posterior mean) with its 80% interval per role, then the snapshot role's coverage (a
    percentage, as on the page) and bars."""
    return [
        "rank",
        "candidate",
        "application_id",
        "stage",
        *[f"{role.key}_{part}" for role in roles for part in ("fit", "lower", "upper")],
        COVERAGE_CSV_COLUMN,
        "meets_bars_probability",
        *[f"below_bar_probability_{bar.area}" for bar in must_haves],
        "below_bar",
        "consider_role",
        "disagreement",
        *[f"recommendations_{value}" for value in Recommendation.values],
    ]


def csv_row(row: ReviewRow) -> list[str]:
    return [
        str(row.rank),
        row.candidate,
        str(row.application_id),
        row.stage,
        *[_number(value) for cell in row.fits for value in (cell.fit, cell.lower, cell.upper)],
        coverage_percent(row.coverage),
        _number(row.meets_bars_probability, 3),
        *[_number(bar.below_probability, 3) for bar in row.bars],
        "; ".join(row.below_bar),
        row.consider_role or "",
        "yes" if row.disagreement else "no",
        *[str(row.recommendations.get(value, 0)) for value in Recommendation.values],
    ]


@login_required
def shortlist_export(request, pk: int):
    """One CSV row per entry in rank order; cells that a spreadsheet would run as formulas are quoted."""
    shortlist = shortlist_for_review(request.user, pk)
    if shortlist.status != Shortlist.Status.READY:
        messages.error(request, "This snapshot is not ready, so there is nothing to export yet.")
        return redirect("review:shortlist-detail", pk=shortlist.pk)
    roles = list(role_list())
    filename = f"shortlist-{slugify(shortlist.opening.title) or 'opening'}-snapshot-{shortlist.number}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    table = review_rows(shortlist, roles)
    writer = csv.writer(response)
    writer.writerow(csv_header(roles, table.must_haves))
    for row in table.rows:
        writer.writerow([csv_safe(cell) for cell in csv_row(row)])
    return response


urlpatterns = [
    path("openings/<int:pk>/shortlist/", opening_shortlist, name="opening-shortlist"),
    path("openings/<int:pk>/shortlists/create/", shortlist_create_view, name="shortlist-create"),
    path("shortlists/<int:pk>/", shortlist_detail, name="shortlist-detail"),
    path("shortlists/<int:pk>/compare/", shortlist_compare, name="shortlist-compare"),
    path("shortlists/<int:pk>/export.csv", shortlist_export, name="shortlist-export"),
]
