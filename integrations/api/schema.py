"""drf-spectacular hooks: the bearer-token scheme, each operation's scope, and strict request bodies."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

# DRF's CharField refuses NUL anywhere, and (trimming first) text that is only spaces:
# exactly str.strip()'s whitespace, spelled out because regex engines disagree on \s.
_SPACES = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NO_NUL = "^[^\\x00]*$"
NO_NUL_NOT_ONLY_SPACES = f"^[^\\x00]*[^\\x00{_SPACES}][^\\x00]*$"


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.api.authentication.TokenAuthentication"
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
        one_of = getattr(cls, "schema_requires_one_of", ())
        if direction == "request" and one_of:
            schema["anyOf"] = [{"required": [name]} for name in one_of]
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """What DRF refuses that drf-spectacular leaves unsaid.

        A list that may not be empty (``allow_empty=False``) has ``minItems: 1``; text
        that may not be blank, where DRF trims spaces first, needs a character that is
        not one, and no text may hold NUL (``NO_NUL_NOT_ONLY_SPACES``, ``NO_NUL``).
        """
        from django.core.validators import RegexValidator
        from rest_framework import serializers

        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        lists = (serializers.ListField, serializers.ManyRelatedField, serializers.ListSerializer)
        if (
            isinstance(field, lists)
            and not getattr(field, "allow_empty", True)
            and schema.get("type") == "array"
        ):
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        plain_text = (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and "format" not in schema
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
        )
        if plain_text:
            blank_refused = not field.allow_blank and field.trim_whitespace
            schema.setdefault("pattern", NO_NUL_NOT_ONLY_SPACES if blank_refused else NO_NUL)
        if direction == "request" and isinstance(field, serializers.EmailField):
            # Every pattern the field's validators hold: integrations.serializers.EmailField's
            # own, and any other (an address that is also a username).
            patterns = [v.regex.pattern for v in field.validators if isinstance(v, RegexValidator)]
            if patterns:
                schema["pattern"] = patterns[0]
            if patterns[1:]:
                schema["allOf"] = [{"pattern": pattern} for pattern in patterns[1:]]
        return schema

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        scope = self._scope()
        if operation is not None and scope:
            operation["x-required-scope"] = scope
        if operation is not None:
            self._mark_scoped_filters(operation)
            self._state_limits(operation)
        return operation

    def _state_limits(self, operation: dict) -> None:
        """What the server enforces on every operation, stated where the operation's views cannot.

        A filter's text holds no NUL; ``page_size`` is 1 to ``API_MAX_PAGE_SIZE``
        (``CursorPage``); ``Idempotency-Key`` follows ``idempotency.KEY_PATTERN`` and may
        be answered 409 (still running) or 422 (another body); a body over
        ``API_MAX_BODY_BYTES`` is a 413 before any view runs (``ApiBodySizeLimitMiddleware``);
        a URL or headers over gunicorn's limits are a 414 or 431 from the server itself,
        not in the JSON shape.
        """
        from django.conf import settings

        from integrations import idempotency

        filterset = getattr(self.view, "filterset_class", None)
        filters = getattr(filterset, "base_filters", {})
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if (
                parameter["in"] == "query"
                and parameter["name"] in filters
                and schema.get("type") == "string"
                and not {"pattern", "format", "enum"} & set(schema)
            ):
                # A filter's text goes through a form field, which refuses NUL as DRF's do.
                schema["pattern"] = NO_NUL
            if parameter["in"] == "query" and parameter["name"] == "page_size":
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE}
                parameter["description"] = (
                    f"Number of results per page, 1 to {settings.API_MAX_PAGE_SIZE} (default 50)."
                )
            if parameter["in"] == "header" and parameter["name"] == idempotency.HEADER:
                parameter["schema"] = {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": idempotency.MAX_KEY_LENGTH,
                    "pattern": idempotency.KEY_PATTERN,
                }
                self._error_add(
                    operation, 409, "idempotency_in_progress", "A request with this key is running."
                )
                self._error_add(operation, 422, "idempotency_key_reused", "This key came with another body.")
        if "requestBody" in operation:
            self._error_add(
                operation,
                413,
                "body_too_large",
                f"The request body is larger than the API accepts ({settings.API_MAX_BODY_BYTES} bytes).",
            )
        responses = operation["responses"]
        responses.setdefault(
            "414", {"description": "The URL is too long (answered by the server, not JSON)."}
        )
        responses.setdefault(
            "431", {"description": "The request headers are too large (answered by the server, not JSON)."}
        )
        operation["responses"] = dict(sorted(responses.items()))

    @staticmethod
    def _error_add(operation: dict, status: int, code: str, detail: str) -> None:
        responses = operation["responses"]
        if str(status) in responses:
            return
        responses[str(status)] = {
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"},
                    "examples": {str(status): {"value": {"code": code, "detail": detail}}},
                }
            },
            "description": detail,
        }

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
