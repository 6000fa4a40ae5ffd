"""URLs of the recruitment pages (urlpatterns) and API (api_urlpatterns)."""

from django.urls import path

from agents.api import recruitment as api
from agents.views import recruitment as views

urlpatterns: list = [
    path("recruitment/", views.recruitment_board, name="recruitment-board"),
    path("candidates/", views.candidate_list, name="candidate-list"),
    path("candidates/new/", views.candidate_new, name="candidate-new"),
    path("candidates/import/", views.candidate_import, name="candidate-import"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate-detail"),
    path("candidates/<int:pk>/schedule-assessment/", views.candidate_schedule_assessment, name="candidate-schedule-assessment"),
    path("candidates/<int:pk>/assess/", views.candidate_assess, name="candidate-assess"),
    path("candidates/<int:pk>/enrol/", views.candidate_enrol, name="candidate-enrol"),
    path("candidates/<int:pk>/complete-training/", views.candidate_complete_training, name="candidate-complete-training"),
    path("candidates/<int:pk>/hire/", views.candidate_hire, name="candidate-hire"),
    path("candidates/<int:pk>/reject/", views.candidate_reject, name="candidate-reject"),
    path("candidates/<int:pk>/withdraw/", views.candidate_withdraw, name="candidate-withdraw"),
    path("candidates/<int:pk>/answered/", views.candidate_answered, name="candidate-answered"),
    path("training-sessions/", views.training_session_list, name="training-session-list"),
    path("training-sessions/new/", views.training_session_new, name="training-session-new"),
]

api_urlpatterns: list = [
    path("candidates/", api.CandidatesView.as_view(), name="candidates"),
    path("candidates/<int:pk>/", api.CandidateDetailView.as_view(), name="candidate-detail"),
    path("candidates/<int:pk>/transitions/", api.CandidateTransitionView.as_view(), name="candidate-transition"),
]
