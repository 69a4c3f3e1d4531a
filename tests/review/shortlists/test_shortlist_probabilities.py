"""The shortlist page and its CSV show fit with its 80% interval and the must-have probabilities."""

import csv
import io
import re

import pytest
from django.urls import reverse

from scoring.models import Shortlist

pytestmark = pytest.mark.django_db

MEETS = "Probability of meeting every must-have"
BARS = ["software_engineering", "production_deployment", "mlops_monitoring", "cloud_containers"]


def page_url(shortlist) -> str:
    return reverse("review:shortlist-detail", args=[shortlist.pk])


def row_of(response, name: str) -> dict[str, str]:
    """The table row of candidate ``name``, as text by column header."""
    html = response.content.decode()
    row = re.search(
        rf'<tr[^>]*>\s*<td class="col-rank num">\d+</td>\s*<th scope="row"[^>]*><a [^>]*>{name}</a>.*?</tr>',
        html,
        re.S,
    )
    texts = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(0), re.S)
    ]
    labels = [header.label for header in response.context["headers"]]
    assert len(texts) == len(labels)
    return dict(zip(labels, texts, strict=True))


@pytest.fixture
def named(four_candidates, committee_member):
    opening, candidates = four_candidates
    opening.committee.add(committee_member)
    for name, application in candidates.items():
        application.candidate.name = name.title()
        application.candidate.save()
    return opening, candidates


def test_the_table_shows_fit_with_its_interval_coverage_and_the_probability_of_meeting_every_must_have(
    client, committee_member, named, snapshot
):
    opening, _ = named
    shortlist = snapshot(opening, order_by="meets_bars")
    client.force_login(committee_member)

    response = client.get(page_url(shortlist))

    labels = [header.label for header in response.context["headers"]]
    assert labels.index(MEETS) == labels.index("Coverage (%)") + 1
    assert f'<a href="?sort=-meets_bars">{MEETS}</a>' in response.content.decode()
    likely = row_of(response, "Likely")
    assert (likely["Rank"], likely["Stage"]) == ("1", "Interviewing")
    assert likely["Machine Learning Engineer fit (80% interval)"] == "70.0 (45.0\N{EN DASH}80.0)"  # as stored
    assert (likely["Coverage (%)"], likely[MEETS], likely["Flags"]) == ("33", "95%", "")
    assert row_of(response, "Doubtful")[MEETS] == "60%"
    assert row_of(response, "Below")[MEETS] == "4%"


def test_bars_likely_missed_are_flagged_with_their_probabilities(client, committee_member, named, snapshot):
    opening, _ = named
    shortlist = snapshot(opening)
    client.force_login(committee_member)

    response = client.get(page_url(shortlist))

    assert row_of(response, "Below")["Flags"] == (
        "↓ Below bar: Software engineering quality (95% probability below level 4) "
        "⤓ Ranked last: clearly below a must-have, so after all others"
    )
    assert row_of(response, "Doubtful")["Flags"] == ""  # 40% below production deployment: not likely
    assert row_of(response, "Sure")["Flags"] == ""


def test_the_table_sorts_by_the_probability_of_meeting_every_must_have(client, recruiter, named, snapshot):
    opening, _ = named
    shortlist = snapshot(opening)  # by fit: doubtful, likely, sure, below
    client.force_login(recruiter)

    rows = client.get(page_url(shortlist), {"sort": "-meets_bars"}).context["rows"]

    assert [row.candidate for row in rows] == ["Likely", "Sure", "Doubtful", "Below"]  # ties keep rank order
    assert [row.meets_bars_probability for row in rows] == [0.95, 0.95, 0.6, 0.04]


def test_the_order_selector_offers_the_three_orders_and_creates_a_meets_bars_snapshot(
    client, committee_member, named, django_capture_on_commit_callbacks
):
    opening, candidates = named
    client.force_login(committee_member)

    html = client.get(reverse("review:opening-shortlist", args=[opening.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("review:shortlist-create", args=[opening.pk]), {"order_by": "meets_bars"}
        )

    select = re.search(r'<select name="order_by".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', select) == ["fit", "lower", "meets_bars"]
    assert ">Probability of meeting every must-have</option>" in select
    assert 'aria-describedby="id_order_by-help"' in select
    assert 'id="id_order_by-help"' in html
    shortlist = Shortlist.objects.get()
    assert response["Location"] == page_url(shortlist)
    assert shortlist.order_by == "meets_bars"
    ranked = list(shortlist.entries.order_by("rank").values_list("application_id", flat=True))
    assert ranked[-1] == candidates["below"].pk


def test_the_csv_has_the_probability_of_meeting_every_must_have_and_each_bars_probability(
    client, recruiter, named, snapshot
):
    opening, _ = named
    shortlist = snapshot(opening, order_by="meets_bars")
    client.force_login(recruiter)

    response = client.get(reverse("review:shortlist-export", args=[shortlist.pk]))

    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    start = header.index("coverage_percent")
    assert header[start : start + 7] == [
        "coverage_percent",
        "meets_bars_probability",
        *[f"below_bar_probability_{key}" for key in BARS],
        "below_bar",
    ]
    assert {"ml_engineer_fit", "ml_engineer_lower", "ml_engineer_upper"} <= set(header)
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert [row[1] for row in rows] == ["Likely", "Sure", "Doubtful", "Below"]
    below = by_name["Below"]
    assert (below["ml_engineer_fit"], below["ml_engineer_lower"], below["ml_engineer_upper"]) == (
        "90.0",
        "80.0",
        "100.0",
    )
    assert below["meets_bars_probability"] == "0.040"
    assert [below[f"below_bar_probability_{key}"] for key in BARS] == ["0.950", "0.200", "0.000", "0.000"]
    assert below["below_bar"] == "Software engineering quality"
    assert by_name["Doubtful"]["meets_bars_probability"] == "0.600"
    assert by_name["Doubtful"]["below_bar_probability_production_deployment"] == "0.400"
