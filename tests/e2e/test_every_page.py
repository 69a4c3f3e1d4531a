"""Every page of the product, for every persona, in a real browser at desk and phone widths.

The pages come from the URL conf: each pattern of the ``assessments`` and ``review``
namespaces, and the top-level pages people open (home, sign-in, the start page, the API
reference). A page added later is visited too, or this test says which sample it lacks.
Each persona (anonymous, interviewer, committee member, recruiter) opens each page on the
demo data at 1280 and 390 px: the page answers without a 5xx, axe-core (the conftest's
audit of every document) finds nothing serious or critical, and nothing scrolls sideways.
A page the persona may not see is still a page: its 403, 404 or sign-in is audited too.
Screenshots of each go to test-artifacts/screenshots/every-page/ for a person to look at.
"""

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.urls import URLResolver, get_resolver, reverse

from assessments.models import Role, Scorecard
from config.management.commands.seed_demo import COMMITTEE, DEMO_PASSWORD, INTERVIEWERS, RECRUITER
from hiring.models import Application, Decision, Interview, Opening
from hiring.services import decision_record
from scoring.models import Shortlist
from scoring.shortlists import shortlist_create
from takehomes.models import TakeHome, token_new

pytestmark = pytest.mark.django_db(transaction=True)

NAMESPACES = ("assessments", "review", "takehomes")
TOP_LEVEL = ("home", "login", "after-login", "api-docs")
WIDTHS = ((1280, 800), (390, 844))
SIDEWAYS_SCROLL = "document.documentElement.scrollWidth - window.innerWidth"
# The outermost elements that reach past the window's right edge, to say what overflows.
TOO_WIDE = """() => {
    const classes = e => typeof e.className === 'string' && e.className.trim()
        ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
    const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + classes(e);
    const wide = [...document.body.querySelectorAll('*')].filter(
        e => e.getBoundingClientRect().right > window.innerWidth + 1);
    return wide.filter(e => !wide.includes(e.parentElement)).slice(0, 5).map(name);
}"""


def page_patterns() -> list[tuple[str, tuple[str, ...]]]:
    """(URL name, its keyword arguments) for each page of the URL conf the sweep covers."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in NAMESPACES:
                found.extend(
                    (f"{entry.namespace}:{pattern.name}", tuple(pattern.pattern.converters))
                    for pattern in entry.url_patterns
                )
        elif entry.name in TOP_LEVEL:
            found.append((entry.name, ()))
    return found


def _interviewer_interview(*, submitted: bool) -> Interview:
    interviews = Interview.objects.filter(assignments__interviewer__username=INTERVIEWERS[0].username)
    cards = Scorecard.objects.filter(interviewer__username=INTERVIEWERS[0].username)
    if submitted:
        return interviews.filter(scorecards__in=cards.exclude(status=Scorecard.Status.DRAFT)).first()
    return interviews.exclude(scorecards__in=cards.exclude(status=Scorecard.Status.DRAFT)).first()


def _submitted_scorecard() -> Scorecard:
    return (
        Scorecard.objects.filter(interviewer__username=INTERVIEWERS[0].username)
        .exclude(status=Scorecard.Status.DRAFT)
        .first()
    )


def _ready_shortlist() -> Shortlist:
    return Shortlist.objects.filter(status=Shortlist.Status.READY).order_by("pk").first()


# What each keyword argument of a page stands for on the demo data: the first interviewer's
# own interviews and scorecards (so the interviewer sees them and the others are refused),
# and openings, applications and shortlists the committee reviews.
SAMPLES: dict[str, Callable[[], object]] = {
    "assessments:role-detail.key": lambda: Role.objects.order_by("key").first().key,
    "assessments:scorecard-edit.pk": lambda: _interviewer_interview(submitted=False).pk,
    "assessments:scorecard-confirm.pk": lambda: _interviewer_interview(submitted=False).pk,
    "assessments:interview-kit.pk": lambda: _interviewer_interview(submitted=False).pk,
    "assessments:scorecard-detail.pk": lambda: _submitted_scorecard().pk,
    "assessments:scorecard-amend.pk": lambda: _submitted_scorecard().pk,
    "review:opening-dashboard.pk": lambda: Opening.objects.order_by("pk").first().pk,
    "review:opening-recompute.pk": lambda: Opening.objects.order_by("pk").first().pk,
    "review:opening-analytics.pk": lambda: Opening.objects.order_by("pk").first().pk,
    "review:opening-shortlist.pk": lambda: Opening.objects.order_by("pk").first().pk,
    "review:shortlist-create.pk": lambda: Opening.objects.order_by("pk").first().pk,
    "review:application-profile.pk": lambda: _decided_application().pk,
    "review:application-decide.pk": lambda: _decided_application().pk,
    "review:application-debrief.pk": lambda: _decided_application().pk,
    "review:shortlist-detail.pk": lambda: _ready_shortlist().pk,
    "review:shortlist-compare.pk": lambda: _ready_shortlist().pk,
    "review:shortlist-export.pk": lambda: _ready_shortlist().pk,
    "review:take-home-send.pk": lambda: _decided_application().pk,
    "review:take-home-renew.pk": lambda: TakeHome.objects.exclude(status="graded").order_by("pk").first().pk,
    "review:take-home-report.pk": lambda: _graded_take_home().pk,
    # The candidate's pages: a take-home the demo sent and nobody opened, its link known here.
    "takehomes:start.token": lambda: CANDIDATE["token"],
    "takehomes:page.pk": lambda: CANDIDATE["take_home"],
    "takehomes:submit.pk": lambda: CANDIDATE["take_home"],
    "takehomes:download.pk": lambda: CANDIDATE["take_home"],
    "takehomes:download.what": lambda: "train",
}


CANDIDATE: dict = {}


def _graded_take_home() -> TakeHome:
    # A graded take-home with a model: the fullest report.
    return (
        TakeHome.objects.filter(
            status="graded", exercise__requires_model=True, application__decisions__isnull=False
        )
        .order_by("pk")
        .first()
    )


def _decided_application() -> Application:
    # The fullest profile: scored, with scorecards, and a decision on record (the fixture's).
    return Application.objects.filter(decisions__isnull=False).order_by("pk").first()


def page_urls() -> list[tuple[str, str]]:
    missing = [
        f"{name}.{argument}"
        for name, arguments in page_patterns()
        for argument in arguments
        if f"{name}.{argument}" not in SAMPLES
    ]
    assert missing == [], f"pages with no sample in SAMPLES: {missing}"
    return [
        (name, reverse(name, kwargs={argument: SAMPLES[f"{name}.{argument}"]() for argument in arguments}))
        for name, arguments in page_patterns()
    ]


def test_the_sweep_covers_every_page_pattern_the_url_conf_holds():
    names = {name for name, _ in page_patterns()}

    assert set(TOP_LEVEL) <= names
    assert {"assessments:scorecard-edit", "review:opening-shortlist", "review:application-profile"} <= names
    assert len([name for name in names if name.startswith(NAMESPACES)]) >= 20


@pytest.fixture
def demo(settings, rubric_version, django_capture_on_commit_callbacks):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)
    # The committee makes shortlists; one for each demo opening, built in-process.
    with django_capture_on_commit_callbacks(execute=True):
        for opening in Opening.objects.all():
            shortlist_create(opening=opening, limit=10)
    # The fullest profile: scored, with scorecards, a graded take-home with a model and a decision.
    fullest = (
        Application.objects.filter(take_homes__status="graded", take_homes__exercise__requires_model=True)
        .annotate(cards=Count("interviews__scorecards"))
        .order_by("-cards", "pk")
        .first()
    )
    decision_record(
        application=fullest,
        outcome=Decision.Outcome.ADVANCE,
        rationale="Strong modelling and a clear handover; the debrief agreed.",
        actor=get_user_model().objects.get(username=COMMITTEE[0].username),
    )
    # The demo mails no links: give one of its unopened take-homes a link this test knows.
    token, hashed = token_new()
    sent = TakeHome.objects.filter(status=TakeHome.Status.SENT).order_by("pk").first()
    TakeHome.objects.filter(pk=sent.pk).update(token_hash=hashed)
    CANDIDATE.update(token=token, take_home=sent.pk)


# Pages each persona has (answered 200): the public ones, and then each one's own.
MIN_PAGES = {"anonymous": 3, "candidate": 4, "interviewer": 11, "committee_member": 18, "recruiter": 18}
PERSONAS = {
    "anonymous": None,
    "candidate": None,  # no account: the link from their e-mail
    "interviewer": INTERVIEWERS[0].username,
    "committee_member": COMMITTEE[0].username,
    "recruiter": RECRUITER.username,
}


def test_every_page_answers_reads_well_and_fits_for_each_persona(
    live_server, new_page, axe_audit, screenshot, demo
):
    """All personas on one seeded demo: seeding is a third of the sweep's time, and a persona only reads it.

    (The candidate starts their take-home, which changes no page another persona must see.)
    """
    urls = page_urls()
    problems, short = [], {}
    for persona in PERSONAS:
        found, shown = sweep(persona, urls, live_server=live_server, new_page=new_page, screenshot=screenshot)
        problems += found
        audited = {url.removeprefix(live_server.url) for url in axe_audit.audited}
        assert {path for path, _ in shown} <= audited, f"{persona}: a page the browser showed went unaudited"
        pages = {path for path, status in shown if status == 200}
        if len(pages) < MIN_PAGES[persona]:
            short[persona] = sorted(pages)

    assert problems == []
    assert short == {}, "personas that saw fewer pages than they have"


def sweep(persona: str, urls, *, live_server, new_page, screenshot) -> tuple[list[str], set[tuple[str, int]]]:
    """One persona at both widths: what went wrong, and the (path, status) of each page shown."""
    problems, shown, refusals = [], set(), set()
    cookies = []
    for width, height in WIDTHS:
        page = new_page(width=width, height=height)
        if persona == "candidate":
            # The link works once, in one browser: the second width carries on that browser's session.
            if cookies:
                page.context.add_cookies(cookies)
            else:
                page.goto(f"{live_server.url}{reverse('takehomes:start', args=[CANDIDATE['token']])}")
                page.get_by_role("button", name="Start the take-home").click()
                page.wait_for_load_state()
                cookies = page.context.cookies()
        elif PERSONAS[persona]:
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_label("Username").fill(PERSONAS[persona])
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
        for name, path in urls:
            # Ask first (the context's cookies go along): a CSV is a download, a 405 (a
            # form's action opened by hand) has no page, and a redirect ends on a page
            # the sweep opens anyway (sign-in is one of them).
            answer = page.request.get(f"{live_server.url}{path}", max_redirects=0)
            if answer.status >= 500:
                problems.append(f"{persona} {width}px {path}: {answer.status}")
                continue
            html = "text/html" in answer.headers.get("content-type", "")
            if not html or answer.status == 405 or 300 <= answer.status < 400:
                continue
            if answer.status >= 400:
                if (width, answer.status) in refusals:
                    continue  # one 403 page, one 404 page: the same template each time
                refusals.add((width, answer.status))
            page.goto(f"{live_server.url}{path}")
            shown.add((path, answer.status))
            overflow = page.evaluate(SIDEWAYS_SCROLL)
            if overflow > 0:
                wide = ", ".join(page.evaluate(TOO_WIDE))
                problems.append(f"{persona} {width}px {path}: scrolls sideways by {overflow}px ({wide})")
            screenshot(page, f"every-page/{persona}-{width}-{name.replace(':', '-')}")
    return problems, shown
