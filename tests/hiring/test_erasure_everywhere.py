"""Erasure reaches every copy of the person: free text, events, stored answers, logs and imports.

The check does not trust a list of places: after erasing, it searches every
text and JSON column of every table in the database for the name and email.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from assessments.models import AttributeMapping, Rating, Scorecard
from hiring.models import Candidate, Decision
from integrations.models import Event, WebhookDelivery
from integrations.webhooks import delivery_body, webhook_subscription_create
from scoring.models import FitScore, ShortlistEntry
from scoring.services import opening_recompute
from scoring.shortlists import shortlist_build, shortlist_create

pytestmark = pytest.mark.django_db

ADA, ADA_EMAIL = "Ada Lovelace", "Ada.Lovelace@example.com"
GRACE, GRACE_EMAIL = "Grace Hopper", "grace.hopper@example.com"
SCOPES = [
    "candidates:read",
    "candidates:write",
    "candidates:erase",
    "interviews:read",
    "scorecards:read",
    "scorecards:write",
    "decisions:read",
    "decisions:write",
    "scores:read",
    "shortlists:read",
    "webhooks:manage",
]
MARKER = "[erased]"
TEXT_COLUMN_TYPES = {"CharField", "TextField", "JSONField"}


def text_columns() -> list[tuple[str, str]]:
    """(table, column) of every char, text and JSON column in the database, found by introspection."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        return [
            (table, column.name)
            for table in introspection.table_names(cursor)
            for column in introspection.get_table_description(cursor, table)
            if introspection.get_field_type(column.type_code, column) in TEXT_COLUMN_TYPES
        ]


def hits(condition: str, value: str) -> dict[str, list[str]]:
    """``table.column`` -> the values (as text) where ``<column>::text <condition> value``."""
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            # Names come from the database's own catalogue, quoted; the searched value is a parameter.
            as_text = f"{quote(column)}::text"
            sql = f"SELECT {as_text} FROM {quote(table)} WHERE {as_text} {condition} %s"  # noqa: S608
            cursor.execute(sql, [value])
            rows = [row[0] for row in cursor.fetchall()]
            if rows:
                found[f"{table}.{column}"] = rows
    return found


def mentions(text: str) -> dict[str, list[str]]:
    return hits("ILIKE", f"%{text}%")


def word(text: str) -> dict[str, list[str]]:
    # PostgreSQL's \m and \M: the start and end of a word ("Ada", not "metadata").
    return hits("~*", rf"\m{text}\M")


def ratings_of(candidate) -> list[tuple]:
    return sorted(
        Rating.objects.filter(scorecard__interview__application__candidate=candidate).values_list(
            "scorecard_id", "area__key", "level", "not_assessed"
        )
    )


def fit_scores() -> list[tuple]:
    return sorted(
        FitScore.objects.values_list("application_id", "role_id", "fit", "lower", "upper", "coverage")
    )


@pytest.fixture
def world(
    token_client,
    settings,
    interview,
    second_interview,
    other_interview,
    interviewer,
    other_interviewer,
    client,
    django_user_model,
):
    """Ada and Grace, each with scorecards, a decision, events, deliveries, stored answers, admin history."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    ada = interview.application.candidate
    grace = other_interview.application.candidate
    Candidate.objects.filter(pk=ada.pk).update(
        name=ADA, email=ADA_EMAIL, source="greenhouse", external_id="gh-1001", notes="Prefers mornings."
    )
    Candidate.objects.filter(pk=grace.pk).update(
        name=GRACE,
        email=GRACE_EMAIL,
        source="greenhouse",
        external_id="gh-1002",
        notes="Referred by Ada Lovelace.",
    )
    for application in (interview.application, other_interview.application):
        type(application).objects.filter(pk=application.pk).update(
            source="greenhouse", external_id=f"gh-app-{application.pk}"
        )
    ats = token_client(SCOPES)
    webhook_subscription_create(
        token=ats.token,
        url="http://127.0.0.1:9/hooks",
        events=["scorecard.submitted", "scorecard.amended", "decision.recorded", "fit_scores.updated"],
    )

    # Ada: a scorecard submitted and amended through the API, a Greenhouse import, a decision.
    submitted = ats.post(
        f"/api/v1/interviews/{interview.pk}/scorecards/",
        {
            "interviewer": {"email": interviewer.email},
            "recommendation": "yes",
            "summary": "Ada Lovelace explained the model; Ada was calm.",
            "ratings": {
                "software_engineering": {
                    "level": 4,
                    "evidence": "Ada wrote tests first (ada.lovelace@example.com).",
                },
                "statistics_experimentation": {"level": 3, "evidence": "Lovelace sized an A/B test."},
                "communication": {"not_assessed": True},
            },
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert submitted.status_code == 201, submitted.json()
    amended = ats.post(
        f"/api/v1/scorecards/{submitted.json()['id']}/amend/",
        {
            "reason": "Re-read Ada's take-home.",
            "expected_revision": 1,
            "recommendation": "strong_yes",
            "summary": "ADA LOVELACE is stronger than I wrote.",
            "ratings": {
                "software_engineering": {"level": 5, "evidence": "Ada's tests caught the bug."},
                "statistics_experimentation": {"level": 3, "evidence": "Lovelace sized an A/B test."},
                "communication": {"level": 4, "evidence": "Explained plainly, Ada."},
            },
        },
        format="json",
    )
    assert amended.status_code == 200, amended.json()
    for name, area_key in [("Code quality", "software_engineering"), ("Deployment", "production_deployment")]:
        AttributeMapping.objects.create(source="greenhouse", attribute_name=name, area_key=area_key)
    person = {"id": 4081, "name": "Olga I", "email": other_interviewer.email}
    imported = ats.post(
        f"/api/v1/interviews/{second_interview.pk}/scorecards/greenhouse/",
        {
            "candidate_id": 2131415,
            "interviewer": person,
            "submitted_by": person,
            "overall_recommendation": "yes",
            "attributes": [
                {
                    "name": "Code quality",
                    "type": "Skills",
                    "note": "Lovelace refactored well.",
                    "rating": "yes",
                },
                {"name": "Deployment", "type": "Skills", "note": "Shipped it.", "rating": "mixed"},
            ],
            "questions": [
                {"id": None, "question": "Key Take-Aways", "answer": "Ada Lovelace is strong on testing."},
                {
                    "id": 7390,
                    "question": "Private Notes",
                    "answer": "Ada asked about pay: ADA.LOVELACE@example.com",
                },
            ],
        },
        format="json",
    )
    assert imported.status_code == 201, imported.json()
    decision_url = f"/api/v1/applications/{interview.application.pk}/decisions/"
    decision_body = {"outcome": "advance", "rationale": "Advance Ada Lovelace: Ada led the design."}
    decided = ats.post(decision_url, decision_body, format="json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert decided.status_code == 201, decided.json()

    # Grace: her own scorecard (which compares her with Ada Lovelace) and decision.
    grace_card = ats.post(
        f"/api/v1/interviews/{other_interview.pk}/scorecards/",
        {
            "interviewer": {"email": other_interviewer.email},
            "recommendation": "strong_yes",
            "summary": "Grace Hopper was precise, more so than Ada Lovelace.",
            "ratings": {
                "software_engineering": {"level": 5, "evidence": "Grace compiled it in her head."},
                "statistics_experimentation": {"level": 4, "evidence": "Grace Hopper sized it."},
                "communication": {"level": 4, "evidence": "Clear."},
            },
        },
        format="json",
    )
    assert grace_card.status_code == 201, grace_card.json()
    ats.post(
        f"/api/v1/applications/{other_interview.application.pk}/decisions/",
        {"outcome": "advance", "rationale": "Advance Grace Hopper."},
        format="json",
    )

    # A recruiter's edit in the admin: django_admin_log keeps the candidate's name.
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    edited = client.post(
        f"/admin/hiring/candidate/{ada.pk}/change/",
        {
            "name": ADA,
            "email": ADA_EMAIL,
            "source": "greenhouse",
            "external_id": "gh-1001",
            "notes": "Met Ada.",
        },
    )
    assert edited.status_code == 302

    # Scores and a shortlist from those ratings.
    for opening_id in {interview.application.opening_id, other_interview.application.opening_id}:
        opening_recompute(opening_id=opening_id)
    shortlist_build(shortlist_id=shortlist_create(opening=interview.application.opening).pk)
    # Nobody in the world shares a word with Ada's name (factory users get random names).
    get_user_model().objects.update(first_name="Test", last_name="Person")
    return {
        "ats": ats,
        "ada": ada,
        "grace": grace,
        "decision_url": decision_url,
        "decision_body": decision_body,
    }


def test_erasing_through_the_api_leaves_the_name_and_email_in_no_table(world):
    ada, grace, ats = world["ada"], world["grace"], world["ats"]
    before = {column for term in (ADA, ADA_EMAIL, "Lovelace") for column in mentions(term)}
    # The world holds Ada in every kind of place the issue found.
    assert {
        "hiring_candidate.name",
        "assessments_scorecard.summary",
        "assessments_rating.evidence",
        "assessments_scorecardrevision.summary",
        "assessments_scorecardrevision.ratings",
        "hiring_decision.rationale",
        "integrations_event.resource",
        "integrations_idempotencyrecord.response_body",
        "django_admin_log.object_repr",
    } <= before
    ratings_before, fit_before = ratings_of(ada), fit_scores()
    entries_before = ShortlistEntry.objects.count()

    response = ats.post(f"/api/v1/candidates/{ada.pk}/erase/")

    assert response.status_code == 200
    for term in (ADA, ADA_EMAIL, "Lovelace", "ada.lovelace"):
        assert mentions(term) == {}, term
    assert word("Ada") == {}
    # The anonymous ratings and scores stay, and scoring still recomputes the same.
    assert ratings_of(ada) == ratings_before
    assert fit_scores() == fit_before
    assert opening_recompute(opening_id=ada.applications.get().opening_id) == 1
    assert fit_scores() == fit_before
    assert ShortlistEntry.objects.count() == entries_before > 0
    # The text reads as redacted, not emptied.
    assert Scorecard.objects.get(interview__application__candidate=ada, revision=2).summary == (
        f"{MARKER} is stronger than I wrote."
    )
    assert Decision.objects.get(application__candidate=ada).rationale == (
        f"Advance {MARKER}: {MARKER} led the design."
    )
    # Grace keeps her name; only the mention of Ada in her records goes.
    grace.refresh_from_db()
    assert (grace.name, grace.email, grace.notes) == (GRACE, GRACE_EMAIL, f"Referred by {MARKER}.")
    assert Scorecard.objects.get(interview__application__candidate=grace).summary == (
        f"Grace Hopper was precise, more so than {MARKER}."
    )
    assert {"hiring_candidate.name", "assessments_rating.evidence", "hiring_decision.rationale"} <= set(
        mentions(GRACE)
    )


def test_pending_webhook_deliveries_send_the_redacted_payload(world):
    ada = world["ada"]
    pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    assert any(b"Lovelace" in delivery_body(delivery.event) for delivery in pending)

    world["ats"].post(f"/api/v1/candidates/{ada.pk}/erase/")

    bodies = [delivery_body(delivery.event).decode() for delivery in pending.select_related("event")]
    assert bodies
    assert not any(re.search(r"\bada\b|lovelace", body, re.IGNORECASE) for body in bodies)
    assert (
        Event.objects.filter(resource__candidate=ada.pk).count() == 4
    )  # submitted, amended, import, decision


def test_a_replayed_decision_after_erasure_sends_the_redacted_answer_and_decides_nothing_new(world):
    ats, ada = world["ats"], world["ada"]
    ats.post(f"/api/v1/candidates/{ada.pk}/erase/")

    replay = ats.post(
        world["decision_url"], world["decision_body"], format="json", HTTP_IDEMPOTENCY_KEY="key-2"
    )

    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["rationale"] == f"Advance {MARKER}: {MARKER} led the design."
    assert Decision.objects.filter(application__candidate=ada).count() == 1


def test_the_admin_action_erases_everywhere_too(world, client):
    ada = world["ada"]

    client.post("/admin/hiring/candidate/", {"action": "erase_personal_data", "_selected_action": [ada.pk]})

    for term in (ADA, ADA_EMAIL, "Lovelace"):
        assert mentions(term) == {}, term


def test_a_failing_redactor_rolls_the_whole_erasure_back(world, recruiter):
    from hiring.services import candidate_erase
    from hiring.signals import candidate_erasing

    ada = world["ada"]

    def refuse(**kwargs):
        raise RuntimeError("redactor down")

    candidate_erasing.connect(refuse, dispatch_uid="test_refuse")
    try:
        with pytest.raises(RuntimeError):
            candidate_erase(candidate=ada, actor=recruiter)
    finally:
        candidate_erasing.disconnect(dispatch_uid="test_refuse")

    ada.refresh_from_db()
    assert (ada.name, ada.erased_at) == (ADA, None)
    assert "hiring_decision.rationale" in mentions(ADA)


# The rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "about", "expected"),
    [
        ("Ada Lovelace and ada.lovelace@example.com", False, "[erased] and [erased]"),
        ("ADA\nLOVELACE wrote it", False, "[erased] wrote it"),
        ("Ada explained metadata to Adam", True, "[erased] explained metadata to Adam"),
        ("Lovelace's proof", True, "[erased]'s proof"),
        # In other people's records a first name alone is not the person.
        ("Ada explained metadata", False, "Ada explained metadata"),
    ],
)
def test_the_email_and_full_name_go_everywhere_and_the_name_words_in_records_about_the_person(
    text, about, expected
):
    from integrations.erasure import PersonalData

    personal = PersonalData(candidate_id=1, name="Ada Lovelace", email="ada.lovelace@example.com")

    redacted = personal.redact(text) if about or personal.mentioned_in(text) else text

    assert redacted == expected


def test_name_words_shorter_than_three_letters_are_left_alone():
    from integrations.erasure import PersonalData

    personal = PersonalData(candidate_id=1, name="Li Wei", email="li@example.com")

    assert personal.redact("Li Wei: Li said Wei was wrong, li@example.com") == (
        "[erased]: Li said [erased] was wrong, [erased]"
    )
