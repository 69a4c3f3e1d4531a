"""Committee review pages: analytics (mounted by scoring/urls.py)."""

urlpatterns: list = []
