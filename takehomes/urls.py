"""The candidate's pages (no account: the link from their e-mail)."""

from django.urls import path

from takehomes import views

app_name = "takehomes"

urlpatterns = [
    path("take-home/start/<str:token>/", views.start, name="start"),
    path("take-home/<int:pk>/", views.page, name="page"),
    path("take-home/<int:pk>/submit/", views.submit, name="submit"),
    path("take-home/<int:pk>/download/<slug:what>/", views.download, name="download"),
]
