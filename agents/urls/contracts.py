"""URLs of the contracts pages (urlpatterns) and API (api_urlpatterns)."""

from django.urls import path

from agents.api import contracts as api
from agents.views import contracts as views

urlpatterns: list = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract-renew"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract-end"),
    path("contracts/<int:pk>/acknowledge/", views.contract_alert_acknowledge, name="contract-alert-acknowledge"),
    path("agents/<int:agent_id>/contracts/", views.agent_contracts, name="agent-contracts"),
    path("agents/<int:agent_id>/contracts/add/", views.contract_add, name="contract-add"),
    path("headcount/", views.headcount, name="headcount"),
]
api_urlpatterns: list = [
    path("contracts/", api.ContractListView.as_view(), name="contract-list"),
    path("contracts/<int:pk>/", api.ContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/renew/", api.RenewContractView.as_view(), name="contract-renew"),
    path("contracts/<int:pk>/end/", api.EndContractView.as_view(), name="contract-end"),
]
