from django.urls import path

from supervision import api
from supervision.views import (
    actions,
    alerts,
    audit,
    board,
    channels,
    clusters,
    escalations,
    messages,
    queue_health,
    reports,
)

app_name = "supervision"
urlpatterns = [
    path("", board.plateau_board, name="plateau"),
    path("board/rows/", board.board_rows, name="board-rows"),
    path("board/chart/", board.board_chart, name="board-chart"),
    path("national/", board.national_overview, name="national"),
    path("queue/", queue_health.queue_health, name="queue-health"),
    path("queue/panel/", queue_health.queue_health_panel, name="queue-health-panel"),
    path("channels/", channels.channel_mode, name="channel-mode"),
    path("channels/sms-first/", channels.switch_to_sms_first, name="switch-sms-first"),
    path("reports/sla/", reports.sla_report, name="sla-report"),
    path("reports/sla.csv", reports.sla_report_csv, name="sla-report-csv"),
    path("reports/agents/", reports.productivity_report, name="productivity-report"),
    path("reports/agents.csv", reports.productivity_report_csv, name="productivity-report-csv"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", alerts.acknowledge, name="acknowledge-alert"),
    path("alerts/<int:pk>/pause-cap/", alerts.decide_pause_cap, name="decide-pause-cap"),
    path("agents/<int:pk>/pause/", actions.pause_agent, name="pause-agent"),
    path("agents/<int:pk>/log-out/", actions.log_out_agent, name="log-out-agent"),
    path("tasks/<int:pk>/release/", actions.release_lease, name="release-lease"),
    path("tasks/<int:pk>/release/confirm/", actions.confirm_release, name="confirm-release"),
    path("tasks/<int:pk>/reassign/", actions.reassign_callback, name="reassign-callback"),
    path("actions/", actions.action_log, name="action-log"),
    path("messages/", messages.desk_messages, name="messages"),
    path("messages/send/", messages.send_message, name="send-message"),
    path("escalations/", escalations.escalations, name="escalations"),
    path("sms/<int:pk>/retry/", escalations.retry_sms, name="retry-sms"),
    path("audit/", audit.audit_log, name="audit"),
    path("clusters/", clusters.cluster_list, name="clusters"),
    path("clusters/<int:pk>/", clusters.cluster_detail, name="cluster"),
    path("clusters/<int:pk>/export.json", clusters.cluster_export, name="cluster-export"),
    path("clusters/<int:pk>/hand-off/", clusters.hand_off, name="cluster-hand-off"),
    path("clusters/<int:pk>/retry/", clusters.retry_handoff, name="cluster-retry"),
    path("clusters/<int:pk>/take/", clusters.take, name="cluster-take"),
    path("clusters/<int:pk>/close/", clusters.close, name="cluster-close"),
    path("clusters/<int:pk>/return/", clusters.give_back, name="cluster-return"),
    path("audit/export/", audit.audit_export, name="audit-export"),
]
api_urlpatterns = [
    path("clusters/", api.ClusterListView.as_view(), name="clusters"),
    path("clusters/<int:pk>/", api.ClusterDetailView.as_view(), name="cluster"),
    path("clusters/<int:pk>/take/", api.ClusterTakeView.as_view(), name="cluster-take"),
    path("clusters/<int:pk>/close/", api.ClusterCloseView.as_view(), name="cluster-close"),
    path("clusters/<int:pk>/return/", api.ClusterReturnView.as_view(), name="cluster-return"),
    path("supervision/agents/", api.SupervisionAgentsView.as_view(), name="supervision-agents"),
    path(
        "supervision/queue-health/", api.QueueHealthView.as_view(), name="supervision-queue-health"
    ),
]
