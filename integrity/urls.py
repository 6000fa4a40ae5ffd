from django.urls import path

from integrity.views import drilldown, findings, invoices, qa

app_name = "integrity"
urlpatterns = [
    path("", findings.finding_list, name="findings"),
    path("findings.csv", findings.finding_csv, name="findings-csv"),
    path("findings/<int:pk>/", drilldown.finding_detail, name="finding-detail"),
    path("findings/<int:pk>/acknowledge/", findings.acknowledge, name="acknowledge-finding"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/import/", invoices.invoice_import, name="invoice-import"),
    path("invoices/template.csv", invoices.invoice_template, name="invoice-template"),
    path("invoices/<int:pk>/", invoices.invoice_report, name="invoice"),
    path("invoices/<int:pk>/lines.csv", invoices.invoice_csv, name="invoice-csv"),
    path("invoices/lines/<int:pk>/decide/", invoices.decide_line, name="decide-invoice-line"),
    path("invoices/rates/", invoices.rate_list, name="rates"),
    path("invoices/rates/<int:pk>/", invoices.rate_edit, name="rate"),
]

# Quality review (issue 14, part 7).
urlpatterns += [
    path("qa/", qa.review_list, name="qa-reviews"),
    path("qa/<int:pk>/", qa.score, name="qa-score"),
    path("qa/mine/", qa.my_scores, name="qa-mine"),
    path("qa/scores/", qa.scores_report, name="qa-scores"),
    path("qa/scores.csv", qa.scores_csv, name="qa-scores-csv"),
]
