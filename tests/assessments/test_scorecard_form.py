"""The scorecard form: each anchor beside its level's name from the rubric's scale, the chosen anchor
highlighted as a whole, and no expected level to anchor the interviewer's rating on."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.assessments.test_scorecard_pages import submitted_by

pytestmark = pytest.mark.django_db

NOTE = re.compile(r'<p class="[^"]*independent-rating-note[^"]*">.*?</p>', re.S)


def form_html(client, interview, interviewer) -> str:
    client.force_login(interviewer)
    return client.get(f"/interviews/{interview.pk}/scorecard/").content.decode()


def test_each_anchor_shows_its_levels_name_from_the_rubrics_scale(client, interview, interviewer):
    scale = interview.application.opening.rubric_version.scale

    html = form_html(client, interview, interviewer)

    assert {int(level): name for level, name in scale.items()} == {
        1: "Not yet",
        2: "Emerging",
        3: "Working",
        4: "Strong",
        5: "Leading",
    }
    for area in interview.focus_areas.all():
        for anchor in area.anchors.all():
            name = scale[str(anchor.level)]
            label = re.search(
                rf'<label for="id_rating_{area.key}_{anchor.level - 1}">(.*?)</label>', html, re.S
            )[1]
            assert f'<span class="anchor-number">{anchor.level}</span> {name}</span>' in label
            assert anchor.description.replace("'", "&#x27;").replace('"', "&quot;")[:40] in label


def test_the_choice_labels_carry_the_level_name_for_any_other_rendering(interview):
    from assessments.forms import scorecard_form_class

    form = scorecard_form_class(interview.focus_areas.all(), level_names={4: "Strong"})()
    area = interview.focus_areas.first()
    labels = dict(form.fields[f"rating_{area.key}"].choices)

    assert labels["4"].startswith("4 Strong: ")
    assert labels["3"].startswith("3: ")  # a scale without a name for the level: the number alone


def test_the_chosen_anchor_is_highlighted_as_a_whole_by_css_alone(client, interview, interviewer):
    html = form_html(client, interview, interviewer)
    stylesheet = Path(finders.find("css/scorecard.css")).read_text()

    assert 'href="/static/css/scorecard.css"' in html
    assert html.count('class="choice anchor-choice"') == 5 * interview.focus_areas.count()
    assert ".anchor-choice:has(input:checked) {" in stylesheet


def test_the_form_does_not_show_the_level_the_role_expects_and_says_why(client, interview, interviewer):
    html = form_html(client, interview, interviewer)

    note = NOTE.search(html)[0]
    assert "leaves out the level the role asks for" in note
    without_note = NOTE.sub("", html)
    assert "expected" not in without_note.lower()
    assert "data-expected" not in html


def test_the_amend_form_and_the_interview_kit_do_not_show_the_expected_level_either(
    client, interview, interviewer
):
    scorecard = submitted_by(interview, interviewer)
    client.force_login(interviewer)

    for url in (f"/scorecards/{scorecard.pk}/amend/", f"/interviews/{interview.pk}/kit/"):
        html = client.get(url).content.decode()
        assert NOTE.search(html), url
        assert "expected" not in NOTE.sub("", html).lower(), url
