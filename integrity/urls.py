from django.urls import path

from integrity.views import drilldown, findings

app_name = "integrity"
urlpatterns = [
    path("", findings.finding_list, name="findings"),
    path("findings.csv", findings.finding_csv, name="findings-csv"),
    path("findings/<int:pk>/", drilldown.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/acknowledge/", findings.acknowledge, name="acknowledge-finding"),
]
