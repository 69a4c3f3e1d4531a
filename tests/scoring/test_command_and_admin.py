import pytest
from django.core.management import CommandError, call_command

from scoring.models import FitScore, Shortlist
from scoring.shortlists import shortlist_create

pytestmark = pytest.mark.django_db


def test_recompute_scores_command_scores_every_opening(scored_opening, capsys):
    opening, _applications, _, _ = scored_opening(3)
    FitScore.objects.all().delete()

    call_command("recompute_scores", "--opening", str(opening.pk))

    assert FitScore.objects.filter(application__opening=opening).count() == 9
    captured = capsys.readouterr()
    assert "Recomputed 3 application(s) in 1 opening(s)." in captured.out
    assert "openings" in captured.err  # the progress bar


def test_recompute_scores_can_snapshot_a_shortlist_once_per_opening(
    scored_opening, capsys, django_capture_on_commit_callbacks
):
    opening, _applications, _, _ = scored_opening(3)

    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):  # the build is enqueued on commit
            call_command("recompute_scores", "--opening", str(opening.pk), "--shortlist")

    [shortlist] = Shortlist.objects.filter(opening=opening)
    assert shortlist.status == Shortlist.Status.READY
    assert shortlist.entries.count() == 3
    assert "Created 0 shortlist snapshot(s)." in capsys.readouterr().out


def test_recompute_scores_command_refuses_an_unknown_opening():
    with pytest.raises(CommandError, match="No opening with id 424242"):
        call_command("recompute_scores", "--opening", "424242")


def test_recompute_scores_stale_only(scored_opening, capsys):
    _opening, applications, _, _ = scored_opening(2)
    FitScore.objects.filter(application=applications[0]).delete()
    applications[0].score_state.delete()

    call_command("recompute_scores", "--stale")

    assert FitScore.objects.filter(application=applications[0]).count() == 3
    assert "Recomputed 1 stale application(s)." in capsys.readouterr().out


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_admin_actions_recompute_and_shortlist_an_opening(
    admin_client_logged_in, scored_opening, django_capture_on_commit_callbacks
):
    opening, _applications, _, _ = scored_opening(3)
    FitScore.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(
            "/admin/hiring/opening/", {"action": "recompute_scores", "_selected_action": [opening.pk]}
        )
    assert FitScore.objects.filter(application__opening=opening).count() == 9

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_logged_in.post(
            "/admin/hiring/opening/", {"action": "create_shortlist", "_selected_action": [opening.pk]}
        )
    shortlist = Shortlist.objects.get(opening=opening)
    assert shortlist.status == "ready"
    assert shortlist.entries.count() == 3
    assert admin_client_logged_in.get(f"/admin/scoring/shortlist/{shortlist.pk}/change/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/scoring/fitscore/",
        "/admin/scoring/intervieweroffset/",
        "/admin/scoring/areareliability/",
        "/admin/scoring/shortlist/",
    ],
)
def test_score_admin_lists_load(admin_client_logged_in, scored_opening, url):
    from scoring.services import opening_recompute

    opening, _, _, _ = scored_opening(2)
    opening_recompute(opening_id=opening.pk)

    assert admin_client_logged_in.get(url).status_code == 200


def test_the_admin_shows_the_probability_of_meeting_every_must_have(
    admin_client_logged_in, scored_opening, django_capture_on_commit_callbacks
):
    opening, _applications, _, _ = scored_opening(2)
    with django_capture_on_commit_callbacks(execute=True):
        shortlist = shortlist_create(opening=opening)

    scores = admin_client_logged_in.get("/admin/scoring/fitscore/").content.decode()
    entries = admin_client_logged_in.get(f"/admin/scoring/shortlist/{shortlist.pk}/change/").content.decode()

    assert "column-meets_bars_probability" in scores
    assert "Meets bars probability" in entries
