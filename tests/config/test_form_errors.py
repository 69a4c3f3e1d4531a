"""Pages show a domain error where it belongs: at the field it names, else above the form."""

from django import forms

from config.errors import ApplicationError, form_add_application_error


class DecisionForm(forms.Form):
    outcome = forms.CharField(required=False)
    rationale = forms.CharField(required=False)


def bound_form() -> DecisionForm:
    form = DecisionForm(data={})
    form.is_valid()
    return form


def test_an_error_at_a_field_the_form_has_is_shown_at_that_field():
    form = bound_form()

    form_add_application_error(form, ApplicationError("invalid", "Say why.", field="rationale"))

    assert form.errors == {"rationale": ["Say why."]}


def test_an_error_about_no_field_or_one_the_form_lacks_is_shown_above_the_form():
    form = bound_form()

    form_add_application_error(form, ApplicationError("locked", "The opening is closed."))
    form_add_application_error(form, ApplicationError("invalid", "Bad stage.", field="stage"))

    assert form.non_field_errors() == ["The opening is closed.", "Bad stage."]


def test_several_wrong_inputs_are_each_shown_at_their_field():
    form = bound_form()
    error = ApplicationError(
        "scorecard_invalid",
        "Fix the marked fields.",
        fields={"outcome": "Choose one.", "rationale": ["Too long."]},
    )

    form_add_application_error(form, error)

    assert form.errors == {"outcome": ["Choose one."], "rationale": ["Too long."]}
