"""Who an API request is: an integration token's principal, or a person signed in to the web app.

No DRF here: services and selectors ask ``is_integration`` too.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from integrations.models import IntegrationToken


class IntegrationUser(AnonymousUser):
    """The principal of a token request: authenticated, holding only the token's scopes.

    It is no Django user, so session-only permissions (staff, groups) never
    apply to it; views reach the token through ``request.auth``.
    """

    def __init__(self, token: IntegrationToken) -> None:
        self.token = token

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_authenticated(self) -> bool:
        return True

    def __str__(self) -> str:
        return f"integration {self.token.prefix}…"


def is_integration(actor) -> bool:
    """A request authenticated by an integration token (an ``IntegrationUser``)."""
    return getattr(actor, "token", None) is not None
