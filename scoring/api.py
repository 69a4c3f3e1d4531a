"""REST endpoints of scoring (mounted under /api/v1/ by config/api.py)."""

api_urlpatterns: list = []
