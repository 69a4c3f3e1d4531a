"""The REST API's shared plumbing, and integrations' own endpoints.

``viewsets`` (base views: scopes, rate-limit headers, idempotency, the error shape
in the schema), ``authentication`` (bearer tokens), ``pagination`` (cursor pages),
``throttling`` (rates), ``schema`` (drf-spectacular hooks), ``validation``
(``validated_body``: request bodies read through a serializer) and ``views``
(webhook subscriptions). Every app's ``api.py`` builds on these; nothing outside
an API layer imports them. Nothing is re-exported here.
"""
