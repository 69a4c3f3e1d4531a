from django import forms

from config.forms import LongTextField


def advisor_form_class(questions: dict) -> type[forms.Form]:
    """A form with one field per advisor question: choices are required, yes/no are checkboxes."""
    fields: dict[str, forms.Field] = {}
    for key, question in questions.items():
        if question["type"] == "boolean":
            fields[key] = forms.BooleanField(
                label=question["label"], required=False, help_text=question.get("help") or ""
            )
        else:
            fields[key] = forms.ChoiceField(
                label=question["label"],
                choices=list(question["choices"].items()),
                widget=forms.RadioSelect,
                help_text=question.get("help") or "",
            )
    return type("AdvisorForm", (forms.Form,), fields)


NOT_ASSESSED = "na"


def anchor_label(level: int, name: str | None, anchor: str) -> str:
    """A rating choice's label: the level, its name on the rubric's scale, its anchor ("4 Strong: ...")."""
    return f"{level} {name}: {anchor}" if name else f"{level}: {anchor}"


def scorecard_form_class(
    focus_areas, *, level_names: dict[int, str] | None = None, amend: bool = False
) -> type[forms.Form]:
    """A scorecard form for an interview's focus areas.

    Per area: ``rating_<key>`` (1-5 or "not assessed", radios labelled with the
    level's name from the rubric's scale and its anchor) and ``evidence_<key>``.
    Then the overall recommendation and a summary; an amendment adds a required
    ``reason`` and the ``revision`` it starts from. Drafts may leave anything
    empty: completeness is the service's rule at submit. The texts' limits are
    the service's, so the page's counters and the service agree.

    The form never shows the level the role expects: an interviewer rates what
    they saw against the anchors, not against a target (see the README's
    scorecard section).
    """
    from assessments.models import Recommendation
    from assessments.services.scorecards import MAX_EVIDENCE_CHARS, MAX_REASON_CHARS, MAX_SUMMARY_CHARS

    level_names = level_names or {}
    fields: dict[str, forms.Field] = {}
    for area in focus_areas:
        anchors = {anchor.level: anchor.description for anchor in area.anchors.all()}
        choices = [
            (str(level), anchor_label(level, level_names.get(level), anchors.get(level, "")))
            for level in range(1, 6)
        ]
        choices.append((NOT_ASSESSED, "Not assessed in this interview"))
        fields[f"rating_{area.key}"] = forms.ChoiceField(
            label=area.name, choices=choices, required=False, widget=forms.RadioSelect
        )
        fields[f"evidence_{area.key}"] = LongTextField(
            label=f"Evidence for {area.name}",
            required=False,
            max_length=MAX_EVIDENCE_CHARS,
            rows=3,
            help_text="What the candidate said or did that supports the rating.",
        )
    fields["recommendation"] = forms.ChoiceField(
        label="Overall recommendation",
        choices=Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    fields["summary"] = LongTextField(label="Summary", required=False, max_length=MAX_SUMMARY_CHARS, rows=4)
    if amend:
        fields["reason"] = LongTextField(
            label="Reason for amending",
            max_length=MAX_REASON_CHARS,
            rows=2,
            error_messages={"required": "Give the reason for amending the scorecard."},
            help_text="Required: it is kept in the scorecard's history.",
        )
        fields["revision"] = forms.IntegerField(widget=forms.HiddenInput)
    form_class = type("ScorecardForm", (forms.Form,), fields)
    form_class.area_keys = [area.key for area in focus_areas]
    return form_class


def scorecard_initial(scorecard) -> dict:
    """Form initial data from a saved scorecard."""
    if scorecard is None:
        return {}
    initial = {
        "recommendation": scorecard.recommendation,
        "summary": scorecard.summary,
        "revision": scorecard.revision,
    }
    for rating in scorecard.ratings.all():
        key = rating.area.key
        initial[f"rating_{key}"] = NOT_ASSESSED if rating.not_assessed else str(rating.level or "")
        initial[f"evidence_{key}"] = rating.evidence
    return initial


def rating_inputs(form: forms.Form) -> list:
    """The form's ratings as service inputs (areas left blank with no evidence are omitted)."""
    from assessments.services import RatingInput

    inputs = []
    for key in form.area_keys:
        value = form.cleaned_data.get(f"rating_{key}") or ""
        evidence = form.cleaned_data.get(f"evidence_{key}") or ""
        if not value and not evidence.strip():
            continue
        inputs.append(
            RatingInput(
                area_key=key,
                level=int(value) if value and value != NOT_ASSESSED else None,
                not_assessed=value == NOT_ASSESSED,
                evidence=evidence,
            )
        )
    return inputs
