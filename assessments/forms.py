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
