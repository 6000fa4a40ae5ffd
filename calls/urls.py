from django.urls import path

from calls import views

app_name = "calls"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("status/", views.set_status, name="set-status"),
    path("next/", views.claim_next, name="claim-next"),
    path("contact-row/", views.contact_row, name="contact-row"),
    path("assignments/<int:pk>/dial/", views.dial, name="dial"),
    path("assignments/<int:pk>/connected/", views.connected, name="connected"),
    path("assignments/<int:pk>/renew/", views.renew, name="renew"),
    path("assignments/<int:pk>/outcome/", views.record_call_outcome, name="record-outcome"),
]
