"""URLs of the rota pages (urlpatterns, under workforce/) and API (api_urlpatterns, under api/v1/)."""

from django.urls import path

from agents.api import rota as api
from agents.views import rota as views

urlpatterns: list = [
    path("rota/", views.rota, name="rota"),
    path("rota/<int:plateau_id>/", views.plateau_rota, name="plateau-rota"),
    path("rota/<int:plateau_id>/assign/", views.shift_assign, name="shift-assign"),
    path("rota/<int:plateau_id>/apply-pattern/", views.shift_apply_pattern, name="shift-apply-pattern"),
    path("shifts/<int:shift_id>/remove/", views.shift_remove, name="shift-remove"),
    path("opening-hours/", views.opening_hours, name="opening-hours"),
    path("shift-patterns/", views.shift_patterns, name="shift-patterns"),
    path("shift-patterns/<int:pattern_id>/delete/", views.shift_pattern_delete, name="shift-pattern-delete"),
    path("adherence/", views.adherence, name="adherence"),
    path("payroll/", views.payroll, name="payroll"),
    path("payroll.csv", views.payroll_export, name="payroll-export"),
    path("my-week/", views.my_week, name="my-week"),
    path("clock-in/", views.clock_in_view, name="clock-in"),
    path("clock-out/", views.clock_out_view, name="clock-out"),
]
api_urlpatterns: list = [
    path("shifts/", api.ShiftsView.as_view(), name="shifts"),
    path("shifts/me/", api.MyShiftsView.as_view(), name="my-shifts"),
    path("shifts/<int:shift_id>/", api.ShiftView.as_view(), name="shift"),
]
