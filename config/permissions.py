"""The API's permission: every view names the scope each HTTP method needs.

A view sets ``required_scopes = {"GET": "candidates:read", "PUT": "candidates:write"}``
(or ``required_scopes_by_action`` on a viewset). Integration tokens must hold
the scope; people signed in through a session must have a role that allows
it (``integrations.scopes.user_has_scope``). Either way the view's queryset then
limits which objects they reach: a missing object and one they may not see
both answer 404.
"""

from rest_framework import exceptions, permissions

from integrations.identity import is_integration
from integrations.scopes import user_has_scope


class MissingScope(exceptions.PermissionDenied):
    default_code = "missing_scope"


def required_scope(view, request) -> str | None:
    by_action = getattr(view, "required_scopes_by_action", None)
    action = getattr(view, "action", None)
    if by_action and action in by_action:
        return by_action[action]
    method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
    return getattr(view, "required_scopes", {}).get(method)


def caller_has_scope(request, scope: str) -> bool:
    """Whether the request's token holds ``scope``, or its signed-in person's role allows it."""
    if is_integration(request.user):
        return request.auth.has_scope(scope)
    return user_has_scope(request.user, scope)


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if getattr(view, request.method.lower(), None) is None:
            return True  # not served here: DRF answers 405
        scope = required_scope(view, request)
        if scope is None:
            # Views must declare a scope for every method they serve: fail closed.
            raise MissingScope("This operation is not available to API clients.")
        if not caller_has_scope(request, scope):
            raise MissingScope(f"This needs the '{scope}' scope.")
        return True
