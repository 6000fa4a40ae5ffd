"""Public API v1 (DESIGN.md §7): one APIView per operation."""

from django.urls import include, path

from agents import api as agents_api
from calls import api as calls_api
from cases import api as cases_api
from supervision import api as supervision_api
from supervision import queue_api
from workforce import urls as workforce_urls

app_name = "api"
urlpatterns: list = [
    path("auth/token/", agents_api.ObtainTokenView.as_view(), name="obtain-token"),
    path("territories/", agents_api.CreateTerritoryView.as_view(), name="create-territory"),
    path("index-cases/", cases_api.RegisterIndexCaseView.as_view(), name="register-index-case"),
    path("agents/me/status/", calls_api.SetMyStatusView.as_view(), name="set-my-status"),
    path("queue/next/", calls_api.ClaimNextView.as_view(), name="claim-next"),
    path("assignments/<int:assignment_id>/renew/", calls_api.RenewLeaseView.as_view(), name="renew-lease"),
    path("assignments/<int:assignment_id>/outcome/", calls_api.RecordOutcomeView.as_view(), name="record-outcome"),
    path("supervision/agents/", supervision_api.SupervisionAgentsView.as_view(), name="supervision-agents"),
    path("supervision/queue-health/", queue_api.QueueHealthView.as_view(), name="supervision-queue-health"),
    path("", include(workforce_urls.api_urlpatterns)),
]
