from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("roles/", views.role_list, name="role-list"),
    path("roles/<slug:key>/", views.role_detail, name="role-detail"),
    path("advisor/", views.advisor, name="advisor"),
]
