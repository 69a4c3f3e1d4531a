"""What every assessment-partner protocol shares: keys, orders, states and reported errors.

Each function is one transaction. Refusals raise ``ApplicationError`` with a stable code and the
HTTP status the protocol answers (the views put them in the protocol's error shape): 404
``unknown_test`` and ``unknown_interview``, 409 ``candidate_erased``, 400 for invalid fields.

Where an ordered take-home goes (``partner_test_order``), in the key's source:

* **Application.** Found by the ATS's application id when it sends one and we have it (synced
  through the REST API by the same ATS, say): its candidate and opening are used.
* **Candidate.** Otherwise found or created by the ATS's candidate id (``candidate_upsert``,
  which also brings their name and e-mail up to date), or without an id by e-mail address.
* **Opening.** The ATS's job id when it sends one and we know that opening; otherwise one opening
  per source and role, ``<source> assessments: <role>`` (external id ``assessments-<role key>``),
  made on first use for the exercise's role. Greenhouse sends no job id, so its take-homes
  gather in that opening unless the application was synced before.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from datetime import UTC, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from config.errors import ApplicationError
from hiring.models import Application, Candidate, Opening
from hiring.services import (
    application_create,
    application_upsert,
    candidate_create,
    candidate_update,
    candidate_upsert,
    opening_upsert,
)
from integrations.audit import audit_record
from integrations.services import token_hash
from takehomes.models import Exercise, PartnerKey, PartnerResponseError, PartnerTestOrder, TakeHome
from takehomes.partners import ErrorReport, PartnerTest, TestOrderRequest, TestState
from takehomes.services import exercises_published, take_home_send

logger = logging.getLogger(__name__)

KEY_PREFIX = "dspk_"  # a public marker, not a secret
MAX_KEY_LENGTH = 170  # Greenhouse: "API keys must be fewer than 171 characters"
KEY_SALT = "takehomes.partners.key"
LAST_USED_RESOLUTION = timedelta(minutes=1)
SOURCE_NAME = re.compile(r"[-a-zA-Z0-9_]{1,64}")
OPENING_EXTERNAL_ID = "assessments-{role}"


# Keys ---------------------------------------------------------------------------------------


def _key_secret(public_id: str, secret_key: str | None = None) -> str:
    mac = salted_hmac(KEY_SALT, public_id, secret=secret_key, algorithm="sha256").digest()
    return f"{KEY_PREFIX}{public_id}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def partner_key_create(*, name: str, source: str, created_by=None) -> tuple[PartnerKey, str]:
    """Issue a key for an ATS's source; returns it and its secret, shown this once. Audited.

    Raises ``invalid_source`` (400) for a source that is not a slug.
    """
    if not SOURCE_NAME.fullmatch(source or ""):
        raise ApplicationError("invalid_source", f"Not a source name: {source!r}.", field="source")
    public_id = secrets.token_hex(8)
    raw = _key_secret(public_id)
    key = PartnerKey(
        name=name,
        source=source,
        prefix=KEY_PREFIX + public_id,
        key_hash=token_hash(raw),
        created_by=created_by,
    )
    key.full_clean(exclude=["key_hash", "prefix"])
    with transaction.atomic():
        key.save()
        audit_record(actor=created_by, action="partner_key.created", target=key, details={"source": source})
    return key, raw


def partner_key_revoke(*, key: PartnerKey, actor=None) -> PartnerKey:
    """Revoke a key: its requests answer 401 and no callback presents it again. Twice changes nothing."""
    with transaction.atomic():
        if PartnerKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
            audit_record(actor=actor, action="partner_key.revoked", target=key)
    key.refresh_from_db()
    return key


def partner_key_authenticate(*, raw: str) -> PartnerKey | None:
    """The active key with this secret, or None; records when it was last used (once a minute at most)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > MAX_KEY_LENGTH:
        return None
    key = PartnerKey.objects.filter(key_hash=token_hash(raw), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def partner_key_secret(key: PartnerKey) -> str | None:
    """The key's secret, derived again, for the completion callback.

    Derived under ``SECRET_KEY``, else under each of ``SECRET_KEY_FALLBACKS``, as
    Django checks its own signatures during a rotation; None when none of them
    is the key it was issued under.
    """
    public_id = key.prefix.removeprefix(KEY_PREFIX)
    for secret_key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        raw = _key_secret(public_id, secret_key)
        if secrets.compare_digest(token_hash(raw), key.key_hash):
            return raw
    return None


# Tests and orders -----------------------------------------------------------------------------


def partner_tests() -> list[PartnerTest]:
    """The tests an ATS may order: every published exercise version, by its id."""
    return [
        PartnerTest(test_id=str(exercise.pk), name=str(exercise))
        for exercise in exercises_published().order_by("role__order", "key", "-version")
    ]


def _exercise(test_id: str) -> Exercise:
    exercise = exercises_published().filter(pk=int(test_id)).first() if test_id.isdigit() else None
    if exercise is None:
        raise ApplicationError(
            "unknown_test",
            f"No test with partner_test_id '{test_id[:64]}': use one of the ids list_tests answers.",
            field="partner_test_id",
            status_code=404,
        )
    return exercise


def _opening(*, source: str, exercise: Exercise, request: TestOrderRequest) -> Opening:
    if request.job_external_id:
        known = Opening.objects.filter(source=source, external_id=request.job_external_id).first()
        if known is not None:
            return known
    opening, _ = opening_upsert(
        source=source,
        external_id=OPENING_EXTERNAL_ID.format(role=exercise.role.key),
        title=f"{source.capitalize()} assessments: {exercise.role.name}",
        role_key=exercise.role.key,
    )
    return opening


def _candidate(*, source: str, request: TestOrderRequest) -> Candidate:
    name = f"{request.first_name} {request.last_name}".strip()
    if request.candidate_external_id:
        candidate, _ = candidate_upsert(
            source=source, external_id=request.candidate_external_id, name=name, email=request.email
        )
        return candidate
    known = (
        Candidate.objects.filter(source=source, email__iexact=request.email, erased_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if known is not None:
        return candidate_update(candidate=known, name=name, email=request.email)
    return candidate_create(name=name, email=request.email, source=source)


def _application(*, source: str, exercise: Exercise, request: TestOrderRequest) -> Application:
    if request.application_external_id:
        known = (
            Application.objects.filter(source=source, external_id=request.application_external_id)
            .select_related("candidate")
            .first()
        )
        if known is not None:
            # The ATS's name and address for its candidate are the current ones.
            name = f"{request.first_name} {request.last_name}".strip()
            candidate_update(candidate=known.candidate, name=name, email=request.email)
            return known
    candidate = _candidate(source=source, request=request)
    opening = _opening(source=source, exercise=exercise, request=request)
    if request.application_external_id:
        application, _ = application_upsert(
            source=source, external_id=request.application_external_id, candidate=candidate, opening=opening
        )
        return application
    known = Application.objects.filter(candidate=candidate, opening=opening).first()
    return known or application_create(candidate=candidate, opening=opening, source=source)


def partner_test_order(
    *, key: PartnerKey, protocol: str, request: TestOrderRequest
) -> tuple[PartnerTestOrder, bool]:
    """Send the ordered test to the candidate; returns the order and whether it is new.

    Idempotent: the same candidate and test again (the ATS retrying) finds the same take-home
    (``take_home_send``) and its order, so the same ``partner_interview_id`` and no second e-mail;
    a new callback URL replaces the old one (the ATS waits on its newest). One transaction: a
    refusal leaves no candidate, application, opening, take-home or order behind, and the
    e-mail leaves only after the commit. Errors: ``unknown_test`` (404), ``candidate_erased``
    (409), ``application_mismatch`` (409), ``invalid`` (400).
    """
    exercise = _exercise(request.test_id)
    with transaction.atomic():
        application = _application(source=key.source, exercise=exercise, request=request)
        take_home, _ = take_home_send(
            application=application, exercise=exercise, actor=key, source=key.source
        )
        order = PartnerTestOrder.objects.select_for_update().filter(take_home=take_home).first()
        if order is not None:
            if request.callback_url and request.callback_url != order.callback_url:
                order.callback_url = request.callback_url
                order.full_clean()
                order.save(update_fields=["callback_url", "updated_at"])
                audit_record(actor=key, action="partner.callback_url_changed", target=order)
            return order, False
        order = PartnerTestOrder(
            key=key,
            protocol=protocol,
            source=key.source,
            partner_interview_id=secrets.token_urlsafe(18),
            take_home=take_home,
            partner_test_id=request.test_id,
            external_candidate_id=request.candidate_external_id,
            external_application_id=request.application_external_id,
            callback_url=request.callback_url,
        )
        order.full_clean(exclude=["take_home", "key"])
        order.save()
        audit_record(
            actor=key,
            action="partner.test_ordered",
            target=order,
            details={"take_home": take_home.pk, "exercise": exercise.pk, "protocol": protocol},
        )
    return order, True


def _order(*, key: PartnerKey, partner_interview_id: str) -> PartnerTestOrder:
    order = (
        PartnerTestOrder.objects.select_related("take_home__exercise", "take_home__report")
        .filter(source=key.source, partner_interview_id=partner_interview_id)
        .first()
    )
    if order is None:
        # Another source's order is as unknown as one never made: nothing tells them apart.
        raise ApplicationError(
            "unknown_interview", "No test with that partner_interview_id.", status_code=404
        )
    return order


def _when(moment) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def results_url(take_home: TakeHome) -> str:
    """Our review page of the take-home's report: it asks for a signed-in user who may review it."""
    return f"{settings.SITE_URL}{reverse('review:take-home-report', args=[take_home.pk])}"


def partner_test_state(*, key: PartnerKey, partner_interview_id: str) -> TestState:
    """Where the ordered take-home stands (``TakeHome.status_now()``), with its score when graded.

    The score is the exercise's primary metric as measured on the hidden labels; the metadata
    holds the times, the primary metric's name and each contract item's verdict. Only the key's
    own source's orders are found: any other id is 404 ``unknown_interview``.
    """
    order = _order(key=key, partner_interview_id=partner_interview_id)
    take_home = order.take_home
    exercise = take_home.exercise
    status = take_home.status_now()
    metric = Exercise.Metric(exercise.primary_metric)
    metadata: dict = {
        "Exercise": str(exercise),
        "Status": TakeHome.Status(status).label,
        "Sent At": _when(take_home.sent_at),
        "Opened At": _when(take_home.opened_at),
        "Submitted At": _when(take_home.submitted_at),
        "Primary Metric": metric.label,
    }
    score = None
    report = getattr(take_home, "report", None)
    if status == TakeHome.Status.GRADED and report is not None:
        value = (report.metrics.get(exercise.primary_metric) or {}).get("value")
        score = round(float(value), 4) if isinstance(value, int | float) else None
        metadata["Graded At"] = _when(report.graded_at)
        for item in (report.contract or {}).get("items", []):
            metadata[f"Contract: {item['key']}"] = item["verdict"]
        metadata["Results"] = "The full report opens for a signed-in reviewer of the opening."
    return TestState(status=status, score=score, results_url=results_url(take_home), metadata=metadata)


def partner_response_error_record(
    *, key: PartnerKey, protocol: str, report: ErrorReport
) -> PartnerResponseError:
    """Keep a problem the ATS reports with one of our answers, audited, for the admin to show."""
    order = None
    if report.partner_interview_id:
        order = PartnerTestOrder.objects.filter(
            source=key.source, partner_interview_id=report.partner_interview_id
        ).first()
    with transaction.atomic():
        error = PartnerResponseError.objects.create(
            key=key,
            protocol=protocol,
            source=key.source,
            api_call=report.api_call,
            errors=report.errors,
            partner_test_id=report.test_id,
            partner_test_name=report.test_name,
            partner_interview_id=report.partner_interview_id,
            order=order,
        )
        audit_record(
            actor=key,
            action="partner.response_error",
            target=error,
            details={"api_call": report.api_call, "errors": report.errors[:10], "protocol": protocol},
        )
    logger.warning("%s reported a bad answer to %s: %s", protocol, report.api_call, report.errors[:3])
    return error
