"""The main pages work in a real browser under the Content-Security-Policy: no violation reported."""

import pytest

from scoring.shortlists import shortlist_create
from tests.scoring.conftest import scored_opening  # noqa: F401 - a fixture, registered by import

pytestmark = pytest.mark.django_db(transaction=True)

CSP = "Content Security Policy"


@pytest.fixture
def world(scored_opening, committee_member, interview, django_capture_on_commit_callbacks):  # noqa: F811
    """A scored opening with a shortlist, its committee member also an admin; an interview to score."""
    opening, applications, _, _ = scored_opening(3)
    opening.committee.add(committee_member)
    committee_member.is_staff = committee_member.is_superuser = True
    committee_member.save()
    with django_capture_on_commit_callbacks(execute=True):
        shortlist_create(opening=opening)
    return opening, applications[-1], interview


def watch(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    return messages


def test_the_main_pages_report_no_content_security_policy_violation(
    live_server,
    new_page,
    log_in,
    world,
    interviewer,
    committee_member,
):
    opening, application, interview = world
    url = live_server.url

    page = new_page()
    console = watch(page)
    log_in(page, interviewer.username)  # the sign-in page
    page.goto(f"{url}/interviews/")
    assert page.get_by_role("heading", name="My interviews").first.is_visible()
    page.goto(f"{url}/interviews/{interview.pk}/scorecard/")
    assert page.locator("input[type=radio]").count() > 0

    page = new_page()
    console += watch(page)
    log_in(page, committee_member.username)
    page.goto(f"{url}/review/openings/{opening.pk}/shortlist/")
    assert page.get_by_role("link", name=application.candidate.name).count() > 0
    page.goto(f"{url}/review/applications/{application.pk}/")
    assert page.locator("svg[role='img']").first.is_visible()
    page.goto(f"{url}/admin/")
    assert page.get_by_role("heading", name="Site administration").is_visible()
    page.goto(f"{url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()  # Swagger UI started: its script ran
    assert "Data-role scorecards API" in page.locator(".swagger-ui .info .title").inner_text()

    assert [message for message in console if CSP in message or "page error" in message] == []


def test_an_inline_script_is_refused_and_reported(live_server, new_page):
    page = new_page()
    console = watch(page)
    page.goto(f"{live_server.url}/accounts/login/")

    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.body.appendChild(s); }"
    )

    assert page.evaluate("() => window.injected") is None
    assert any(CSP in message for message in console)
