from django.urls import path

from calls import api, views

app_name = "calls"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("status/", views.set_status, name="set-status"),
    path("heartbeat/", views.heartbeat, name="heartbeat"),
    path("next/", views.claim_next, name="claim-next"),
    path("contact-row/", views.contact_row, name="contact-row"),
    path("assignments/<int:pk>/dial/", views.dial, name="dial"),
    path("assignments/<int:pk>/connected/", views.connected, name="connected"),
    path("assignments/<int:pk>/renew/", views.renew, name="renew"),
    path("assignments/<int:pk>/outcome/", views.record_call_outcome, name="record-outcome"),
    path("search/", views.people_search, name="search"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path(
        "people/<int:pk>/tasks/<int:task_pk>/inbound/",
        views.record_inbound,
        name="record-inbound",
    ),
]
api_urlpatterns = [
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
