from django.urls import path

from integrity.views import drilldown, findings, qa

app_name = "integrity"
urlpatterns = [
    path("", findings.finding_list, name="findings"),
    path("findings.csv", findings.finding_csv, name="findings-csv"),
    path("findings/<int:pk>/", drilldown.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/acknowledge/", findings.acknowledge, name="acknowledge-finding"),
]

# Quality review (issue 14, part 7).
urlpatterns += [
    path("qa/", qa.review_list, name="qa-reviews"),
    path("qa/<int:pk>/", qa.score, name="qa-score"),
    path("qa/mine/", qa.my_scores, name="qa-mine"),
    path("qa/scores/", qa.scores_report, name="qa-scores"),
]
