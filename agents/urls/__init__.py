"""The workforce's pages, one URL module per domain; their API routes are in api_urlpatterns."""

from django.urls import include, path

from agents.urls import contracts, recruitment, rota, staffing
from agents.views import home

app_name = "agents"
urlpatterns = [
    path("", home.home, name="home"),
    path("workforce/", home.workforce, name="workforce"),
    path("workforce/", include(recruitment.urlpatterns)),
    path("workforce/", include(contracts.urlpatterns)),
    path("workforce/", include(rota.urlpatterns)),
    path("workforce/", include(staffing.urlpatterns)),
]
