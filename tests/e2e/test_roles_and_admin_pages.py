"""The roles pages, where signing in lands, the favicon and the admin candidates list, in a real browser."""

import pytest

from tests.factories import CandidateFactory, OpeningFactory

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_full_stack_role_page_shows_our_reasoning_apart_and_cites_titles(
    live_server, new_page, log_in, screenshot, rubric_version, interviewer, width, height
):
    page = new_page(width=width, height=height)
    log_in(page, interviewer.username)

    page.goto(f"{live_server.url}/roles/full_stack_data_scientist/")
    screenshot(page, f"roles-full-stack-{width}")

    reasoning = page.get_by_role("region", name="Our reasoning, beyond the documents")
    assert reasoning.get_by_role("rowheader", name="Tools").is_visible()
    facts = page.locator("table.facts").first
    assert facts.get_by_role("rowheader", name="How people get here").is_visible()
    assert facts.get_by_role("rowheader", name="Tools").count() == 0
    assert page.locator("cite", has_text="Data Scientist vs Machine Learning Engineer").first.is_visible()
    if width < 600:
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "no sideways scroll on a phone"


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("interviewer", "/interviews/"),
        ("committee_member", "/review/openings/"),
        ("recruiter", "/review/openings/"),
    ],
)
def test_signing_in_lands_on_the_personas_start_page(
    live_server, new_page, log_in, request, persona, landing
):
    user = request.getfixturevalue(persona)
    page = new_page()

    log_in(page, user.username)

    assert page.url == f"{live_server.url}{landing}"


def test_the_favicon_is_served_where_browsers_look_for_it(live_server, new_page, log_in, interviewer):
    page = new_page()
    log_in(page, interviewer.username)

    icon_links = page.locator("link[rel='icon']")
    fetched = [
        page.request.get(f"{live_server.url}{link.get_attribute('href')}") for link in icon_links.all()
    ]
    fallback = page.request.get(f"{live_server.url}/favicon.ico")

    assert len(fetched) == 2
    assert all(response.status == 200 for response in fetched)
    assert fallback.status == 200
    assert fallback.body()[:4] == b"\x00\x00\x01\x00"


def test_the_admin_candidates_list_fits_a_1280_px_window(
    live_server, new_page, screenshot, django_user_model
):
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests-only")
    opening = OpeningFactory()
    for index in range(5):
        CandidateFactory(
            name=f"Oluwaseun Chowdhury-Lindqvist {index}",
            email=f"oluwaseun.chowdhury-lindqvist.{index}@a-long-company-name.example.org",
            source="greenhouse",
            external_id=f"GH-2026-{index:06d}",
        )
    assert opening
    page = new_page(width=1280, height=800)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/hiring/candidate/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    screenshot(page, "admin-candidates-1280")

    created = page.locator("#result_list thead th", has_text="Created")
    box = created.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1280
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
