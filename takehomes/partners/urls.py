"""Greenhouse's four assessment-partner endpoints, mounted by ``config/urls.py`` at ``partners/greenhouse/``.

Another ATS's protocol is another adapter and another URL module like this one.
"""

from django.urls import path

from takehomes.partners import views
from takehomes.partners.greenhouse import GREENHOUSE

app_name = "partners-greenhouse"

protocol = {"adapter": GREENHOUSE}

urlpatterns = [
    path("list_tests", views.list_tests, protocol, name="list-tests"),
    path("send_test", views.send_test, protocol, name="send-test"),
    path("test_status", views.test_status, protocol, name="test-status"),
    path("response_error", views.response_error, protocol, name="response-error"),
]
