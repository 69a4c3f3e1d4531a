"""The shortlist at a glance: the opening's role fits a 1280 px screen; a phone never scrolls sideways.

Sixteen candidates, rated by three interviewers with the real scoring pipeline,
so every row has a fit for all three roles, and some carry every kind of flag:
likely below a must-have, interviewers who disagree, another role to consider.
"""

import pytest

from scoring.models import FitScore
from scoring.shortlists import shortlist_create
from tests.e2e.conftest import ARTIFACTS
from tests.factories import ApplicationFactory, InterviewFactory, OpeningFactory, UserFactory
from tests.scoring.conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

# Every area of the rubric: all three roles' fits rest on measured skills.
AREAS = [
    "software_engineering",
    "statistics_experimentation",
    "exploratory_analysis",
    "ml_modelling",
    "deep_learning",
    "production_deployment",
    "data_pipelines_sql",
    "mlops_monitoring",
    "cloud_containers",
    "problem_formulation",
    "communication",
    "business_impact",
    "handover_contract",
]
NAMES = [
    "Ada Lovelace",
    "Grace Hopper",
    "Katherine Johnson",
    "Maximiliana Featherstonehaugh-Okonkwo",
    "Alan Turing",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "Radia Perlman",
    "Ken Thompson",
    "Margaret Hamilton",
    "John von Neumann",
    "Hedy Lamarr",
    "Tim Berners-Lee",
    "Shafi Goldwasser",
]
STAGES = ["interviewing", "interviewing", "offer", "screening"]
ANALYSTS = {7, 13}
ENGINEERING = {
    "software_engineering",
    "production_deployment",
    "mlops_monitoring",
    "cloud_containers",
    "deep_learning",
}
# The opening's own role: header text -> the column's class.
OWN_ROLE_COLUMNS = {
    "Rank": "col-rank",
    "Candidate": "col-candidate",
    "Stage": "col-stage",
    "Machine Learning Engineer fit (80% interval)": "col-fit.own-role",
    "Coverage (%)": "col-coverage",
    "Probability of meeting every must-have": "col-meets",
    "Flags": "col-flags",
    "Interviewers' recommendations": "col-recommendations",
}


def levels_for(index: int) -> tuple[dict[str, int], dict[str, int]]:
    """Two interviewers' levels for candidate ``index``: skills vary by area and candidate."""
    base = 1 + index % 5
    first = {key: min(5, max(1, base + (index + offset) % 3 - 1)) for offset, key in enumerate(AREAS)}
    if index in ANALYSTS:  # strong at analysis, weak at engineering: clearly a data scientist
        first = {key: 1 if key in ENGINEERING else 5 for key in AREAS}
    second = dict(first)
    if index % 5 == 1:  # three levels apart in two areas: they disagree
        second["communication"] = 5 if first["communication"] <= 2 else 1
        second["ml_modelling"] = 5 if first["ml_modelling"] <= 2 else 1
    return first, second


@pytest.fixture
def big_shortlist(rubric_version, committee_member, django_capture_on_commit_callbacks):
    from assessments.models import Role

    opening = OpeningFactory(
        title="Machine learning engineer, payments", role=Role.objects.get(key="ml_engineer")
    )
    opening.committee.add(committee_member)
    ann, ben, cem = (UserFactory(username=name) for name in ("ann_lenient", "ben_neutral", "cem_terse"))
    for index, name in enumerate(NAMES):
        application = ApplicationFactory(
            opening=opening, candidate__name=name, stage=STAGES[index % len(STAGES)]
        )
        # A few interviews cover part of the rubric only: thin evidence, wide intervals.
        focus = AREAS if index % 4 else AREAS[:: 3 if index % 8 else 5]
        interview = InterviewFactory(application=application, focus=focus, interviewers=[ann, ben, cem])
        first, second = levels_for(index)
        with django_capture_on_commit_callbacks(execute=True):
            submit(interview, ann, {key: first[key] for key in focus}, recommendation="yes")
            submit(
                interview,
                ben,
                {key: second[key] for key in focus},
                recommendation="no" if index % 6 == 0 else "strong_yes",
            )
            if index % 2:
                submit(interview, cem, {key: first[key] for key in focus}, recommendation="yes")
    # The engine flags another role only on narrow intervals, more ratings than a test can afford:
    # the analysts' stored fit says what it would (scores stay fresh, so the build keeps it).
    FitScore.objects.filter(
        application__candidate__name__in=[NAMES[i] for i in ANALYSTS], role=opening.role
    ).update(consider_role=Role.objects.get(key="data_scientist"))
    with django_capture_on_commit_callbacks(execute=True):
        shortlist_create(opening=opening)
    return opening


def shortlist_page(live_server, new_page, log_in, user, opening, *, width, height):
    page = new_page(width=width, height=height)
    log_in(page, user.username)
    page.goto(f"{live_server.url}/review/openings/{opening.pk}/shortlist/")
    page.locator("table.shortlist").evaluate("table => table.scrollIntoView()")
    return page


def horizontal_extent(page, selector: str) -> list[dict]:
    """Every element matching ``selector``: its left and right edges, and those of the region its
    scrolling box shows (the viewport's, narrowed by the box)."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)].map(element => {
            const box = element.closest('.table-scroll').getBoundingClientRect();
            const rect = element.getBoundingClientRect();
            return {left: rect.left, right: rect.right, shownLeft: Math.max(box.left, 0),
                    shownRight: Math.min(box.right, innerWidth), text: element.innerText.trim()};
        })""",
        selector,
    )


def assert_in_view(page, selector: str) -> None:
    extents = horizontal_extent(page, selector)
    assert extents, selector
    for extent in extents:
        assert extent["shownLeft"] - 0.5 <= extent["left"] < extent["right"] <= extent["shownRight"] + 0.5, (
            selector,
            extent,
        )


def assert_on_top(page, selector: str) -> None:
    """Each element in the viewport is what the reader sees at its centre: nothing is drawn over it."""
    hidden = page.evaluate(
        """selector => [...document.querySelectorAll(selector)].flatMap(element => {
            const rect = element.getBoundingClientRect();
            const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
            if (y < 0 || y > innerHeight) return [];
            const seen = document.elementFromPoint(x, y);
            const covered = seen !== element && !element.contains(seen);
            return covered ? [`${element.innerText} under ${seen && seen.outerHTML.slice(0, 80)}`] : [];
        })""",
        selector,
    )
    assert hidden == [], selector


def scroll_table_to_the_far_right(page) -> int:
    return page.locator(".shortlist-scroll").evaluate(
        "box => { box.scrollLeft = box.scrollWidth; return box.scrollLeft; }"
    )


def test_at_1280_px_the_own_roles_columns_are_in_view_and_the_candidate_stays_when_scrolled(
    live_server, new_page, log_in, screenshot, big_shortlist, committee_member
):
    page = shortlist_page(
        live_server, new_page, log_in, committee_member, big_shortlist, width=1280, height=800
    )
    screenshot(page, "shortlist-1280")
    page.screenshot(path=str(ARTIFACTS / "shortlist-1280-viewport.png"))
    assert page.locator("table.shortlist tbody tr").count() == len(NAMES)
    for kind in ("flag-bad", "flag-warn", "flag-info"):  # below a bar, disagreement, another role
        assert page.locator(f"table.shortlist .{kind}").count() > 0, kind

    headers = [
        page.locator(f"table.shortlist thead th.{column}").inner_text()
        for column in OWN_ROLE_COLUMNS.values()
    ]
    for label, text in zip(OWN_ROLE_COLUMNS, headers, strict=True):
        assert text.startswith(label), (label, text)
    for column in OWN_ROLE_COLUMNS.values():  # the header and every row's cell
        assert_in_view(page, f"table.shortlist th.{column}, table.shortlist td.{column}")
    # The other roles' fits are there too, at the right.
    other_roles = page.locator("table.shortlist thead th.other-role").all_inner_texts()
    assert [text.split(" fit")[0] for text in other_roles] == ["Data Scientist", "Full-stack Data Scientist"]
    # The fit cell draws its evidence, with words for a screen reader.
    evidence = page.locator("table.shortlist td.col-fit.own-role svg.evidence").first
    assert evidence.is_visible()
    assert "coverage" in evidence.get_attribute("aria-label")

    # Rank and candidate stick, on a background of their own, whenever the table is wider than its box.
    for column in ("col-rank", "col-candidate"):
        position, background = page.evaluate(
            """column => {
                const style = getComputedStyle(document.querySelector(`table.shortlist tbody .${column}`));
                return [style.position, style.backgroundColor];
            }""",
            column,
        )
        assert (position, background) == ("sticky", "rgb(255, 255, 255)"), column

    scroll_table_to_the_far_right(page)
    page.screenshot(path=str(ARTIFACTS / "shortlist-1280-scrolled.png"))
    assert_in_view(page, "table.shortlist .col-candidate")
    assert_in_view(page, "table.shortlist thead th.other-role:last-child")
    assert_on_top(page, "table.shortlist tbody .col-candidate")
    assert_on_top(page, "table.shortlist tbody .col-rank")


def test_on_a_phone_the_page_never_scrolls_sideways_and_rank_and_name_stay_in_view(
    live_server, new_page, log_in, screenshot, big_shortlist, committee_member
):
    page = shortlist_page(
        live_server, new_page, log_in, committee_member, big_shortlist, width=390, height=844
    )
    page.screenshot(path=str(ARTIFACTS / "shortlist-390-viewport.png"))
    screenshot(page, "shortlist-390")

    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_in_view(page, "table.shortlist .col-rank")
    assert_in_view(page, "table.shortlist .col-candidate")
    assert page.locator("table.shortlist tbody th.col-candidate").first.is_visible()

    assert scroll_table_to_the_far_right(page) > 0  # the rest of the row is a swipe away
    page.screenshot(path=str(ARTIFACTS / "shortlist-390-scrolled.png"))
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert_in_view(page, "table.shortlist .col-rank")
    assert_in_view(page, "table.shortlist .col-candidate")
    assert_on_top(page, "table.shortlist tbody .col-candidate")
