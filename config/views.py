"""Site-wide pages that belong to no app: where signing in lands, and the favicon."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from hiring import roles


def landing_url_for(user) -> str:
    """Where a signed-in person starts: Openings for recruiters and committee members, My interviews
    for interviewers, the home page for anyone else. Someone in several roles starts on Openings."""
    groups = set(user.groups.values_list("name", flat=True))
    if roles.is_recruiter(user) or roles.HIRING_COMMITTEE in groups or user.committee_openings.exists():
        return reverse("review:opening-list")
    if roles.INTERVIEWER in groups:
        return reverse("assessments:my-interviews")
    return reverse("home")


@require_GET
@login_required
def after_login(request: HttpRequest) -> HttpResponseRedirect:
    """``LOGIN_REDIRECT_URL``: the sign-in form already follows a safe ``next``; so does this page."""
    wanted = request.GET.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(wanted)
    return HttpResponseRedirect(landing_url_for(request.user))


@require_GET
@cache_control(max_age=60 * 60 * 24, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on pages without an icon link (the admin, the API docs)."""
    return HttpResponseRedirect(static("favicon.ico"))
