"""URLs of the staffing pages (urlpatterns) and API (api_urlpatterns)."""

from django.urls import path

from agents.views import staffing

urlpatterns = [
    path("staffing/", staffing.staffing, name="staffing"),
    path("staffing/parameters/", staffing.staffing_parameters, name="staffing-parameters"),
    path("staffing/forecast/", staffing.volume_forecasts, name="volume-forecasts"),
]
# Staffing has no API: the issue asks one for candidates, contracts and shifts only.
api_urlpatterns: list = []
