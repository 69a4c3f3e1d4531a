"""The hiring-need advisor: which role to hire first for a team's situation.

The rules come from the comparison page's recommendations and live in the
rubric file (``advisor``), each quoting its source. ``advise`` is pure: it
takes the advisor spec stored on a rubric version, the role names and the
answers, and returns the first matching rule as the answer with every
matching rule as a reason. Rules are ordered from the most specific situation
to the most general, so the first match is the most specific advice.
"""

from dataclasses import dataclass, field

from config.errors import ApplicationError


@dataclass(frozen=True)
class Reason:
    rule: str
    hire: str
    hire_name: str
    advice: str
    document: str
    document_title: str
    document_file: str
    statement: str
    reasoning: str


@dataclass(frozen=True)
class Advice:
    hire_first: str
    hire_first_name: str
    also_consider: list[dict] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def advisor_answers_clean(*, questions: dict, raw: dict) -> dict:
    """Validate raw answers (strings from a query string or a form) against the questions.

    Choice questions are required; boolean questions default to false when left
    out, and an empty answer (``?first_ml_product=``) is refused like any other
    that is not yes or no. Raises ApplicationError with the offending field.
    """
    answers: dict[str, str | bool] = {}
    unknown = sorted(set(raw) - set(questions))
    if unknown:
        raise ApplicationError("unknown_question", f"Unknown question {unknown[0]!r}.", field=unknown[0])
    for key, question in questions.items():
        value = raw.get(key)
        if question["type"] == "boolean":
            text = str(value).strip().lower()
            if value is None:
                answers[key] = False  # left out: no
            elif isinstance(value, bool):
                answers[key] = value
            elif text in _TRUE:
                answers[key] = True
            elif text in _FALSE:
                answers[key] = False
            else:
                raise ApplicationError("invalid_answer", f"{question['label']} expects yes or no.", field=key)
        else:
            if value in (None, ""):
                raise ApplicationError("answer_required", f"{question['label']} is required.", field=key)
            if value not in question["choices"]:
                choices = ", ".join(question["choices"])
                raise ApplicationError(
                    "invalid_answer", f"{value!r} is not a valid choice; choose one of: {choices}.", field=key
                )
            answers[key] = value
    return answers


def advise(*, advisor: dict, role_names: dict[str, str], documents: dict, answers: dict) -> Advice | None:
    """Return the advice for validated answers, or None when no rule matches."""
    matches = [rule for rule in advisor["rules"] if all(answers.get(k) == v for k, v in rule["when"].items())]
    if not matches:
        return None
    first = matches[0]
    reasons = [
        Reason(
            rule=rule["key"],
            hire=rule["hire"],
            hire_name=role_names[rule["hire"]],
            advice=rule["advice"],
            document=rule["source"]["document"],
            document_title=documents.get(rule["source"]["document"], {}).get("title", ""),
            document_file=documents.get(rule["source"]["document"], {}).get("file", ""),
            statement=rule["source"].get("statement") or "",
            reasoning=rule["source"].get("reasoning") or "",
        )
        for rule in matches
    ]
    also = []
    for rule in matches:
        for key in [rule["hire"], *rule.get("also_consider", [])]:
            if key != first["hire"] and key not in [entry["key"] for entry in also]:
                also.append({"key": key, "name": role_names[key]})
    return Advice(
        hire_first=first["hire"],
        hire_first_name=role_names[first["hire"]],
        also_consider=also,
        reasons=reasons,
    )
