"""Committee review pages: dashboard (mounted by scoring/urls.py)."""

urlpatterns: list = []
