from django import forms


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


def scorecard_form_class(focus_areas, *, amend: bool = False) -> type[forms.Form]:
    """A scorecard form for an interview's focus areas.

    Per area: ``rating_<key>`` (1-5 or "not assessed", radios labelled with the
    anchors) and ``evidence_<key>``. Then the overall recommendation and a
    summary; an amendment adds a required ``reason`` and the ``revision`` it
    starts from. Drafts may leave anything empty: completeness is the
    service's rule at submit.
    """
    from assessments.models import Recommendation

    fields: dict[str, forms.Field] = {}
    for area in focus_areas:
        anchors = {anchor.level: anchor.description for anchor in area.anchors.all()}
        choices = [(str(level), f"{level}: {anchors.get(level, '')}") for level in range(1, 6)]
        choices.append((NOT_ASSESSED, "Not assessed in this interview"))
        fields[f"rating_{area.key}"] = forms.ChoiceField(
            label=area.name, choices=choices, required=False, widget=forms.RadioSelect
        )
        fields[f"evidence_{area.key}"] = forms.CharField(
            label=f"Evidence for {area.name}",
            required=False,
            max_length=10_000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text="What the candidate said or did that supports the rating.",
        )
    fields["recommendation"] = forms.ChoiceField(
        label="Overall recommendation",
        choices=Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    fields["summary"] = forms.CharField(
        label="Summary", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    if amend:
        fields["reason"] = forms.CharField(
            label="Reason for amending",
            max_length=2_000,
            widget=forms.Textarea(attrs={"rows": 2}),
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
