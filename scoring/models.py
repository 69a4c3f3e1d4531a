"""Score bookkeeping. The scoring issue adds fit scores, estimates and shortlists."""

from django.db import models


class ApplicationScoreState(models.Model):
    """When an application's scores were last asked for and last computed.

    A submitted or amended scorecard marks the application stale; a recompute
    clears it. The beat sweep recomputes whatever stays stale, so a broker
    outage delays scores and never loses them.
    """

    application = models.OneToOneField(
        "hiring.Application", on_delete=models.CASCADE, related_name="score_state"
    )
    stale_since = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"scores of application {self.application_id}"
