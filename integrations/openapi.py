"""drf-spectacular hooks: the bearer-token scheme, each operation's scope, and strict request bodies."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.TokenAuthentication"
    name = "IntegrationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An integration token (dsk_…) created by a recruiter in the admin or with "
            "`manage.py create_integration_token`. Each operation names the scope it needs.",
        }


class ScopedAutoSchema(AutoSchema):
    """Adds ``Scope: <scope>`` to each operation's description and an ``x-required-scope`` field."""

    def _scope(self) -> str | None:
        from config.permissions import required_scope

        view = self.view
        by_action = getattr(view, "required_scopes_by_action", None)
        if by_action and getattr(view, "action", None) in by_action:
            return by_action[view.action]

        class _Request:
            method = self.method

        return required_scope(view, _Request)

    def get_description(self):
        description = super().get_description() or ""
        scope = self._scope()
        if scope:
            description = f"{description}\n\n**Scope:** `{scope}`".strip()
        return description

    def _map_basic_serializer(self, serializer, direction):
        """Request bodies of ``StrictSerializer``s say that other keys are refused (``unknown_field``)."""
        from integrations.serializers import StrictSerializer

        schema = super()._map_basic_serializer(serializer, direction)
        cls = serializer if isinstance(serializer, type) else type(serializer)
        if direction == "request" and issubclass(cls, StrictSerializer):
            schema["additionalProperties"] = False
        return schema

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        scope = self._scope()
        if operation is not None and scope:
            operation["x-required-scope"] = scope
        if operation is not None:
            self._mark_scoped_filters(operation)
        return operation

    def _mark_scoped_filters(self, operation: dict) -> None:
        """Filters on fields the list does not show name the scopes that read them (``x-read-scopes``)."""
        filterset = getattr(self.view, "filterset_class", None)
        read_scopes = getattr(getattr(filterset, "Meta", None), "read_scopes", {})
        for parameter in operation.get("parameters", []):
            scopes = read_scopes.get(parameter["name"]) if parameter["in"] == "query" else None
            if scopes:
                parameter["x-read-scopes"] = list(scopes)
                needs = " or ".join(f"`{scope}`" for scope in scopes)
                parameter["description"] = f"{parameter.get('description', '')} Needs {needs}.".strip()
