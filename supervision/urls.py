from django.urls import path

from supervision.views import escalations

app_name = "supervision"
urlpatterns = [
    path("escalations/", escalations.escalations, name="escalations"),
]
