"""Public API v1 (DESIGN.md §7): one APIView per operation."""

from django.urls import path

from agents import api as agents_api
from cases import api as cases_api

app_name = "api"
urlpatterns: list = [
    path("auth/token/", agents_api.ObtainTokenView.as_view(), name="obtain-token"),
    path("territories/", agents_api.CreateTerritoryView.as_view(), name="create-territory"),
    path("agents/", agents_api.CreateAgentView.as_view(), name="create-agent"),
    path("index-cases/", cases_api.RegisterIndexCaseView.as_view(), name="register-index-case"),
]
