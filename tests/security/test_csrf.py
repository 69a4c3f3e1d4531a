"""Every form that posts carries a CSRF token, and a post without one is refused."""

from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


class Forms(HTMLParser):
    """Collects each form's method, action and the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (attributes.get("method") or "get").lower(), "action": attributes.get("action")}
            )
            self.forms[-1]["inputs"] = []
        elif tag in {"input", "button", "select", "textarea"} and self.forms:
            self.forms[-1]["inputs"].append(attributes.get("name"))


def post_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return [form for form in parser.forms if form["method"] == "post"]


@pytest.fixture
def pages(interview, interviewer, committee_member, recruiter, application):
    from tests.factories import UserFactory

    opening = application.opening
    staff = UserFactory(username="sam_staff", is_staff=True, is_superuser=True)
    return {
        None: ["/accounts/login/", "/admin/login/"],
        interviewer: [
            "/",
            "/interviews/",
            f"/interviews/{interview.pk}/scorecard/",
            "/roles/",
            "/advisor/",
        ],
        committee_member: [
            "/review/openings/",
            f"/review/openings/{opening.pk}/",
            f"/review/openings/{opening.pk}/shortlist/",
            f"/review/applications/{application.pk}/",
        ],
        recruiter: ["/review/openings/", f"/review/openings/{opening.pk}/"],
        staff: ["/admin/", "/admin/hiring/candidate/", "/admin/integrations/integrationtoken/add/"],
    }


def test_every_post_form_on_the_main_pages_carries_a_csrf_token(pages, interview, application):
    seen, missing = [], []
    for user, paths in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (user, path, response.status_code)
            for form in post_forms(response.content.decode()):
                seen.append(path)
                if "csrfmiddlewaretoken" not in form["inputs"]:
                    missing.append((str(user), path, form["action"]))

    assert missing == []
    # The walk saw the forms that matter: sign-in, sign-out, scorecard, decision, admin.
    assert len(seen) >= 15
    assert {
        "/accounts/login/",
        "/admin/login/",
        "/interviews/",
        f"/interviews/{interview.pk}/scorecard/",
        f"/review/applications/{application.pk}/",
        "/admin/integrations/integrationtoken/add/",
    } <= set(seen)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/", {"username": "ivan_interviewer", "password": "pw-for-tests-only"}),
        ("/accounts/logout/", {}),
        ("scorecard", {"action": "save"}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(interview, interviewer, path, data):
    client = Client(enforce_csrf_checks=True)
    if path != "/accounts/login/":
        client.force_login(interviewer)
    if path == "scorecard":
        path = f"/interviews/{interview.pk}/scorecard/"

    response = client.post(path, data)

    assert response.status_code == 403
    if path == "/accounts/login/":
        assert "_auth_user_id" not in client.session
    else:
        assert client.session["_auth_user_id"] == str(interviewer.pk)
