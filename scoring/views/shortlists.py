"""Committee review pages: shortlists (mounted by scoring/urls.py)."""

urlpatterns: list = []
