"""The shortlist's markup: the opening's role first, the other roles after, and a fit cell that draws
its evidence as a server-rendered bar with words for a screen reader (no style attribute: the CSP)."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from review.templatetags.review import evidence_bar

pytestmark = pytest.mark.django_db

MEETS = "Probability of meeting every must-have"


@pytest.fixture
def named_snapshot(four_candidates, committee_member, snapshot):
    opening, candidates = four_candidates
    opening.committee.add(committee_member)
    for name, application in candidates.items():
        application.candidate.name = name.title()
        application.candidate.save()
    return snapshot(opening)


def own_fit_cell(html: str, name: str) -> str:
    row = re.search(rf'<th scope="row" class="col-candidate"><a [^>]*>{name}</a>.*?</tr>', html, re.S).group(
        0
    )
    return re.search(r'<td class="col-fit num own-role">(.*?)</td>', row, re.S).group(1)


def test_the_opening_role_comes_first_and_the_other_roles_follow_the_recommendations(
    client, committee_member, named_snapshot
):
    client.force_login(committee_member)

    response = client.get(reverse("review:shortlist-detail", args=[named_snapshot.pk]))

    headers = response.context["headers"]
    assert [(h.label, h.column) for h in headers] == [
        ("Rank", "rank"),
        ("Candidate", "candidate"),
        ("Stage", "stage"),
        ("Machine Learning Engineer fit (80% interval)", "fit"),
        ("Coverage (%)", "coverage"),
        (MEETS, "meets"),
        ("Flags", "flags"),
        ("Interviewers' recommendations", "recommendations"),
        ("Data Scientist fit (80% interval)", "fit"),
        ("Full-stack Data Scientist fit (80% interval)", "fit"),
    ]
    assert [h.own_role for h in headers].count(True) == 1
    assert [h.label for h in headers if h.other_role] == [
        "Data Scientist fit (80% interval)",
        "Full-stack Data Scientist fit (80% interval)",
    ]
    row = response.context["rows"][0]
    assert row.own_fit.role == "ml_engineer"
    assert [cell.role for cell in row.other_fits] == ["data_scientist", "full_stack_data_scientist"]
    html = response.content.decode()
    assert len(re.findall(r'<td class="col-fit num other-role">', html)) == 2 * len(response.context["rows"])
    # The table scrolls in its own box, which a keyboard can reach; the page never has a style attribute.
    assert (
        '<div class="table-scroll shortlist-scroll" role="region" aria-labelledby="table-h" tabindex="0">'
        in html
    )
    assert not re.search(r"\sstyle=", html)


def test_the_fit_cell_draws_the_interval_and_the_coverage_and_says_what_they_are(
    client, committee_member, named_snapshot
):
    client.force_login(committee_member)

    html = client.get(reverse("review:shortlist-detail", args=[named_snapshot.pk])).content.decode()

    cell = own_fit_cell(html, "Likely")  # fit 70, interval 45-80, a third of the role's weight assessed
    interval = "(45.0\N{EN DASH}80.0)"
    assert cell.startswith(f'<span class="fit-value">70.0</span><span class="interval"> {interval}</span>')
    assert '<rect class="evidence-interval" x="45.00" y="1" width="35.00" height="6"/>' in cell
    assert '<rect class="evidence-fit" x="69.25" y="0" width="1.5" height="8"/>' in cell
    assert '<rect class="evidence-coverage" x="0" y="10" width="33.33" height="4"/>' in cell
    label = re.search(r'<svg [^>]*role="img" aria-label="([^"]+)"', cell).group(1)
    assert label == (
        "80% interval 45.0 to 80.0 on the 0 to 100 scale; coverage 33% of the role&#x27;s weight assessed"
    )


def test_the_evidence_bar_stays_on_its_scale():
    wide = evidence_bar(SimpleNamespace(fit=100.0, lower=-4.0, upper=130.0, coverage=1.2))
    narrow = evidence_bar(SimpleNamespace(fit=0.0, lower=0.0, upper=2.0, coverage=None))

    assert (wide["lower"], wide["width"], wide["fit"], wide["coverage"]) == (
        "0.00",
        "100.00",
        "98.50",
        "100.00",
    )
    assert (narrow["lower"], narrow["width"], narrow["fit"], narrow["coverage"]) == (
        "0.00",
        "2.00",
        "0.00",
        None,
    )
    assert narrow["label"] == "80% interval 0.0 to 2.0 on the 0 to 100 scale"
