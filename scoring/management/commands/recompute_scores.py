"""``python manage.py recompute_scores [--opening ID ...] [--stale] [--enqueue] [--shortlist]``.

Recomputes in this process, with a progress bar: every rubric's calibration
first (the measurement model over all its ratings), then every opening (or the
given ones) through the batch path; or, with ``--stale``, only the applications
whose scores are older than their newest scorecard, with the current calibration.
``--enqueue`` hands the work to
Celery workers instead. ``--shortlist`` also snapshots a ranked shortlist for
every opening that has none yet (``make run`` uses it for the demo). Safe to
run at any time: recomputes are idempotent.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assessments.models import Rubric
from config.celery import enqueue_on_commit
from hiring.models import Opening
from scoring import calibration, services
from scoring.shortlists import shortlist_create


class Command(BaseCommand):
    help = "Recompute calibrated estimates and fit scores (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--opening", type=int, action="append", dest="openings", help="Opening id (repeatable)"
        )
        parser.add_argument("--stale", action="store_true", help="Only applications with newer scorecards")
        parser.add_argument("--enqueue", action="store_true", help="Send to Celery workers instead")
        parser.add_argument(
            "--shortlist", action="store_true", help="Also snapshot a shortlist for openings without one"
        )

    def handle(self, *args, openings, stale, enqueue, shortlist, **options) -> None:
        progress = {"file": self.stderr, "disable": options["verbosity"] == 0}
        if stale:
            ids = services.applications_stale(limit=1_000_000)
            for application_id in tqdm(ids, desc="stale applications", unit="app", **progress):
                if enqueue:
                    enqueue_on_commit("scoring.application_scores_recompute", application_id)
                else:
                    services.application_recompute(application_id=application_id)
            self.stdout.write(f"{'Enqueued' if enqueue else 'Recomputed'} {len(ids)} stale application(s).")
            return
        queryset = Opening.objects.order_by("pk")
        if openings:
            queryset = queryset.filter(pk__in=openings)
            missing = sorted(set(openings) - set(queryset.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"No opening with id {', '.join(map(str, missing))}.")
        if enqueue:
            for rubric_id in (
                Rubric.objects.filter(versions__openings__in=queryset).distinct().values_list("pk", flat=True)
            ):
                # The calibration task recomputes its openings when it is done.
                enqueue_on_commit("scoring.calibration_run", rubric_id)
            self.stdout.write(f"Enqueued the calibration of the rubric(s) of {queryset.count()} opening(s).")
            return
        for rubric_id in (
            Rubric.objects.filter(versions__openings__in=queryset).distinct().values_list("pk", flat=True)
        ):
            calibration.calibration_run(rubric_id=rubric_id, fan_out=False)
        total = 0
        for opening in tqdm(list(queryset), desc="openings", unit="opening", **progress):
            total += services.opening_recompute(opening_id=opening.pk)
        self.stdout.write(f"Recomputed {total} application(s) in {queryset.count()} opening(s).")
        if shortlist:
            created = [
                shortlist_create(opening=opening).pk for opening in queryset.filter(shortlists__isnull=True)
            ]
            self.stdout.write(f"Created {len(created)} shortlist snapshot(s).")
