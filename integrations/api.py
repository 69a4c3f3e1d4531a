"""REST endpoints of integrations (mounted under /api/v1/ by config/api.py)."""

api_urlpatterns: list = []
