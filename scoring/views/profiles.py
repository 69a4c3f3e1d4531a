"""Committee review pages: profiles (mounted by scoring/urls.py)."""

urlpatterns: list = []
