"""URLs of the workforce: its pages (urlpatterns, under workforce/) and its API (api_urlpatterns,
under api/v1/)."""

from django.urls import path

from workforce.api import contracts as contracts_api
from workforce.api import recruitment as recruitment_api
from workforce.api import rota as rota_api
from workforce.api import staff as staff_api
from workforce.views import contracts, hub, recruitment, rota, simulator, staffing

app_name = "workforce"
urlpatterns = [
    path("", hub.workforce, name="hub"),
    # Recruitment
    path("recruitment/", recruitment.recruitment_board, name="recruitment-board"),
    path("candidates/", recruitment.candidate_list, name="candidate-list"),
    path("candidates/new/", recruitment.candidate_new, name="candidate-new"),
    path("candidates/import/", recruitment.candidate_import, name="candidate-import"),
    path("candidates/<int:pk>/", recruitment.candidate_detail, name="candidate-detail"),
    path(
        "candidates/<int:pk>/schedule-assessment/",
        recruitment.candidate_schedule_assessment,
        name="candidate-schedule-assessment",
    ),
    path("candidates/<int:pk>/assess/", recruitment.candidate_assess, name="candidate-assess"),
    path("candidates/<int:pk>/enrol/", recruitment.candidate_enrol, name="candidate-enrol"),
    path(
        "candidates/<int:pk>/complete-training/",
        recruitment.candidate_complete_training,
        name="candidate-complete-training",
    ),
    path("candidates/<int:pk>/hire/", recruitment.candidate_hire, name="candidate-hire"),
    path("candidates/<int:pk>/reject/", recruitment.candidate_reject, name="candidate-reject"),
    path(
        "candidates/<int:pk>/withdraw/", recruitment.candidate_withdraw, name="candidate-withdraw"
    ),
    path(
        "candidates/<int:pk>/answered/", recruitment.candidate_answered, name="candidate-answered"
    ),
    path("training-sessions/", recruitment.training_session_list, name="training-session-list"),
    path("training-sessions/new/", recruitment.training_session_new, name="training-session-new"),
    # Contracts
    path("contracts/", contracts.contract_list, name="contract-list"),
    path("contracts/renew/", contracts.contract_bulk_renewal, name="contract-bulk-renewal"),
    path("contracts/<int:pk>/renew/", contracts.contract_renew, name="contract-renew"),
    path("contracts/<int:pk>/end/", contracts.contract_end, name="contract-end"),
    path("contracts/<int:pk>/convert/", contracts.contract_convert, name="contract-convert"),
    path(
        "contracts/<int:pk>/acknowledge/",
        contracts.contract_alert_acknowledge,
        name="contract-alert-acknowledge",
    ),
    path("agents/<int:agent_id>/contracts/", contracts.agent_contracts, name="agent-contracts"),
    path("agents/<int:agent_id>/contracts/add/", contracts.contract_add, name="contract-add"),
    path("headcount/", contracts.headcount, name="headcount"),
    # Rota
    path("rota/", rota.rota, name="rota"),
    path("rota/<int:plateau_id>/", rota.plateau_rota, name="plateau-rota"),
    path("rota/<int:plateau_id>/assign/", rota.shift_assign, name="shift-assign"),
    path(
        "rota/<int:plateau_id>/apply-pattern/", rota.shift_apply_pattern, name="shift-apply-pattern"
    ),
    path("shifts/<int:shift_id>/remove/", rota.shift_remove, name="shift-remove"),
    path("opening-hours/", rota.opening_hours, name="opening-hours"),
    path("shift-patterns/", rota.shift_patterns, name="shift-patterns"),
    path(
        "shift-patterns/<int:pattern_id>/delete/",
        rota.shift_pattern_delete,
        name="shift-pattern-delete",
    ),
    path("adherence/", rota.adherence, name="adherence"),
    path("payroll/", rota.payroll, name="payroll"),
    path("payroll.csv", rota.payroll_export, name="payroll-export"),
    path("my-week/", rota.my_week, name="my-week"),
    path("clock-in/", rota.clock_in_view, name="clock-in"),
    path("clock-out/", rota.clock_out_view, name="clock-out"),
    # Staffing
    path("staffing/", staffing.staffing, name="staffing"),
    path("staffing/parameters/", staffing.staffing_parameters, name="staffing-parameters"),
    path("staffing/forecast/", staffing.volume_forecasts, name="volume-forecasts"),
    # The surge simulator and the staffing planner (issue 15)
    path("staffing/simulator/", simulator.simulator, name="simulator"),
    path("staffing/simulator/apply/", simulator.apply_plan, name="simulator-apply"),
    path("staffing/simulator/drafts/", simulator.decide_drafts, name="simulator-drafts"),
]
api_urlpatterns = [
    path("agents/", staff_api.CreateAgentView.as_view(), name="create-agent"),
    path("candidates/", recruitment_api.CandidatesView.as_view(), name="candidates"),
    path(
        "candidates/<int:pk>/",
        recruitment_api.CandidateDetailView.as_view(),
        name="candidate-detail",
    ),
    path(
        "candidates/<int:pk>/transitions/",
        recruitment_api.CandidateTransitionView.as_view(),
        name="candidate-transition",
    ),
    path("contracts/", contracts_api.ContractListView.as_view(), name="contract-list"),
    path(
        "contracts/bulk-renewal/",
        contracts_api.BulkRenewalView.as_view(),
        name="contract-bulk-renewal",
    ),
    path("contracts/<int:pk>/", contracts_api.ContractDetailView.as_view(), name="contract-detail"),
    path(
        "contracts/<int:pk>/renew/",
        contracts_api.RenewContractView.as_view(),
        name="contract-renew",
    ),
    path("contracts/<int:pk>/end/", contracts_api.EndContractView.as_view(), name="contract-end"),
    path(
        "contracts/<int:pk>/convert/",
        contracts_api.ConvertContractView.as_view(),
        name="contract-convert",
    ),
    path("shifts/", rota_api.ShiftsView.as_view(), name="shifts"),
    path("shifts/me/", rota_api.MyShiftsView.as_view(), name="my-shifts"),
    path("shifts/<int:shift_id>/", rota_api.ShiftView.as_view(), name="shift"),
]
