"""Committee review pages: an opening's analytics (mounted by review/urls.py under ``/review/``).

Recruiters and the opening's committee only; anyone else gets a 404 that does
not confirm the opening exists (``scoring.selectors.opening_for_review``).
The page shows aggregates: agreement per area, leniency per interviewer,
scorecard turnaround, and adverse impact by self-reported group with small
groups suppressed. No individual's demographic answers are ever rendered.

Adverse impact reads one ready snapshot of the opening as "selected": the
newest unless the ``snapshot`` parameter picks another of the opening's own;
the page says which, with its parameters.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import dateformat, timezone
from django.views.decorators.http import require_GET

from review.selectors import opening_analytics, opening_snapshots_ready, shortlist_parameters
from scoring import analytics, reliability
from scoring.models import Shortlist
from scoring.selectors import opening_for_review

PARAMETER_DEFAULTS = {"0%", "none", "all"}  # in ``shortlist_parameters``' words: no filter
ORDER_SHORT = {"fit": "fit", "lower": "lower bound", "meets_bars": "meeting every must-have"}
SNAPSHOT_NOT_OFFERED = "Choose one of this opening's ready snapshots from the list."


def snapshot_label(shortlist: Shortlist, *, opening_role_id: int) -> str:
    """The snapshot as one short line of a select: its number, when, its order and any filter (the
    page lists every parameter of the one analysed), and its role when not the opening's."""
    made = dateformat.format(timezone.localtime(shortlist.created_at), "j M Y, H:i")
    role, _, *filters = shortlist_parameters(shortlist)
    parts = [f"by {ORDER_SHORT.get(shortlist.order_by, shortlist.order_by)}"]
    if shortlist.role_id != opening_role_id:
        parts.insert(0, f"for {role.value}")
    parts += [f"{p.name.lower()} {p.value}" for p in filters if p.value not in PARAMETER_DEFAULTS]
    return f"Snapshot {shortlist.number} ({made}): {'; '.join(parts)}"


class ImpactSnapshotForm(forms.Form):
    """Which of the opening's ready snapshots the adverse-impact analysis reads (GET)."""

    snapshot = forms.TypedChoiceField(
        label="Snapshot analysed",
        coerce=int,
        required=False,
        error_messages={"invalid_choice": SNAPSHOT_NOT_OFFERED},
    )

    def __init__(self, data, *, snapshots: list[Shortlist], opening_role_id: int):
        super().__init__(data)
        self.snapshots = {shortlist.pk: shortlist for shortlist in snapshots}
        self.newest = snapshots[0] if snapshots else None
        field = self.fields["snapshot"]
        field.choices = [
            (pk, snapshot_label(s, opening_role_id=opening_role_id)) for pk, s in self.snapshots.items()
        ]
        field.initial = self.newest.pk if self.newest else None

    def full_clean(self):
        super().full_clean()
        if self.errors.get("snapshot"):  # the message is read with the field
            self.fields["snapshot"].widget.attrs["aria-describedby"] = "id_snapshot-error"

    def chosen(self) -> Shortlist | None:
        """The snapshot asked for, the newest when none is; None when the choice is not offered (the
        field says so) or no snapshot is ready."""
        if not self.is_bound:
            return self.newest
        if not self.is_valid():
            return None
        pk = self.cleaned_data["snapshot"]
        return self.newest if pk in (None, "") else self.snapshots[pk]


@require_GET
@login_required
def opening_analytics_page(request, pk: int):
    opening = opening_for_review(request.user, pk)
    snapshots = list(opening_snapshots_ready(opening))
    form = ImpactSnapshotForm(
        request.GET if "snapshot" in request.GET else None,
        snapshots=snapshots,
        opening_role_id=opening.role_id,
    )
    shortlist = form.chosen()
    report = opening_analytics(opening=opening, shortlist=shortlist)
    return render(
        request,
        "review/analytics.html",
        {
            "opening": opening,
            "report": report,
            "snapshot_form": form,
            "snapshot_parameters": shortlist_parameters(shortlist) if shortlist else [],
            "reliable": reliability.RELIABLE,
            "tentative": reliability.TENTATIVE,
            "four_fifths": analytics.FOUR_FIFTHS,
            "interval_percent": round(analytics.INTERVAL * 100),
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("openings/<int:pk>/analytics/", opening_analytics_page, name="opening-analytics"),
]
