from django.urls import path

from calls import api
from calls.views import carrier, desk, tasks

app_name = "calls"
urlpatterns = [
    path("", desk.desk, name="desk"),
    path("status/", desk.set_status, name="set-status"),
    path("heartbeat/", desk.heartbeat, name="heartbeat"),
    path("messages/<int:pk>/read/", desk.read_message, name="read-message"),
    path("next/", desk.claim_next, name="claim-next"),
    path("contact-row/", desk.contact_row, name="contact-row"),
    path("assignments/<int:pk>/dial/", desk.dial, name="dial"),
    path("assignments/<int:pk>/connected/", desk.connected, name="connected"),
    path("assignments/<int:pk>/renew/", desk.renew, name="renew"),
    path("assignments/<int:pk>/outcome/", desk.record_call_outcome, name="record-outcome"),
    path("assignments/<int:pk>/draft/", desk.save_draft, name="save-draft"),
    path("assignments/<int:pk>/draft/resume/", desk.resume_draft, name="resume-draft"),
    # The moves of a call outside the queue: the escalation lifecycle (docs/queue.md).
    path("tasks/<int:pk>/assign/", tasks.assign, name="assign-task"),
    path("tasks/<int:pk>/requeue/", tasks.requeue, name="requeue-task"),
    path("tasks/<int:pk>/call-now/", tasks.call_now, name="call-task-now"),
    path("tasks/<int:pk>/close/", tasks.close, name="close-task"),
    path("search/", desk.people_search, name="search"),
    path("people/<int:pk>/", desk.person_detail, name="person"),
    path(
        "people/<int:pk>/tasks/<int:task_pk>/inbound/",
        desk.record_inbound,
        name="record-inbound",
    ),
]
api_urlpatterns = [
    path("carrier/<slug:carrier>/events/", carrier.carrier_events, name="carrier-events"),
    path("agents/me/status/", api.SetMyStatusView.as_view(), name="set-my-status"),
    path("queue/next/", api.ClaimNextView.as_view(), name="claim-next"),
    path(
        "assignments/<int:assignment_id>/renew/", api.RenewLeaseView.as_view(), name="renew-lease"
    ),
    path(
        "assignments/<int:assignment_id>/outcome/",
        api.RecordOutcomeView.as_view(),
        name="record-outcome",
    ),
]
