"""Staffing needs pages: the table of agents needed per language and day, its parameters and the
grid of expected volumes.

The territory is always the user's own; only a superuser names one, with ?territory=<id> in the
query string (never in the posted body). Superviseurs see the table; only CPAM admins (and
superusers) change the parameters and the forecasts.
"""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import roles
from agents.access import access_territory_in_query, territory_today
from agents.models import Language, Territory
from agents.roles import role_required
from workforce.forms.staffing import (
    HorizonForm,
    StaffingParametersForm,
    horizon_days,
    volume_forecast_formset,
)
from workforce.selectors import staffing as selectors
from workforce.services.staffing import VolumeEntry, save_staffing_parameters, save_volume_forecasts

VIEWERS = (roles.ADMIN_CPAM, roles.SUPERVISEUR)
PLANNERS = (roles.ADMIN_CPAM,)


def _query(request: HttpRequest, territory: Territory, **values) -> str:
    params = {key: value for key, value in values.items() if value not in (None, "")}
    if request.user.is_superuser:
        params["territory"] = territory.pk
    return urlencode(params)


def _choose_territory(request: HttpRequest, url_name: str) -> HttpResponse:
    territories = Territory.objects.for_user(request.user)
    return render(
        request,
        "workforce/staffing/choose_territory.html",
        {"territories": territories, "url_name": url_name},
    )


def _render_table(
    request: HttpRequest, territory: Territory, *, parameters_form=None
) -> HttpResponse:
    horizon_form = HorizonForm(request.GET, today=territory_today(territory))
    can_plan = roles.has_role(request.user, *PLANNERS)
    parameters = selectors.staffing_parameters(territory=territory)
    context = {
        "territory": territory,
        "horizon_form": horizon_form,
        "can_plan": can_plan,
        "min_observed_calls": selectors.MIN_OBSERVED_CALLS,
        "observed_days": selectors.OBSERVED_DAYS,
    }
    if can_plan:
        context["parameters_form"] = parameters_form or StaffingParametersForm(instance=parameters)
    if horizon_form.is_valid():
        start, days = horizon_form.horizon()
        context["table"] = selectors.staffing_table(
            territory=territory, start=start, days=days, parameters=parameters
        )
        context["query"] = _query(request, territory, start=start.isoformat(), days=days)
    else:
        context["query"] = _query(request, territory)
    return render(request, "workforce/staffing/staffing.html", context)


@require_GET
@role_required(*VIEWERS)
def staffing(request: HttpRequest) -> HttpResponse:
    """Show the agents needed per language and day, against the rota and the contracts that end."""
    territory = access_territory_in_query(request)
    if territory is None:
        return _choose_territory(request, "workforce:staffing")
    return _render_table(request, territory)


@require_POST
@role_required(*PLANNERS)
def staffing_parameters(request: HttpRequest) -> HttpResponse:
    """Change the handle times, attempts, occupancy and shrinkage of the user's territory."""
    territory = access_territory_in_query(request)
    if territory is None:
        raise BadRequest("choose a territory")
    form = StaffingParametersForm(
        request.POST, instance=selectors.staffing_parameters(territory=territory)
    )
    if not form.is_valid():
        return _render_table(request, territory, parameters_form=form)
    save_staffing_parameters(territory=territory, **form.cleaned_data)
    messages.success(request, _("Staffing parameters saved."))
    query = _query(request, territory, start=request.GET.get("start"), days=request.GET.get("days"))
    return redirect(f"{reverse('workforce:staffing')}?{query}")


def _shown_figures(cell: selectors.ForecastCell) -> tuple[int, int]:
    """The figures the grid shows in a cell: the forecast, or the observed average rounded."""
    if cell.forecast is not None:
        return cell.forecast.index_cases, cell.forecast.contacts
    return round(cell.observed.index_cases), round(cell.observed.contacts)


def _initial(cells: list[selectors.ForecastCell]) -> list[dict]:
    initial = []
    for cell in cells:
        index_cases, contacts = _shown_figures(cell)
        initial.append(
            {
                "language": cell.language.code,
                "day": cell.day,
                "index_cases": index_cases,
                "contacts": contacts,
                "use_observed": cell.forecast is None,
            }
        )
    return initial


def _changes(
    formset, cells: list[selectors.ForecastCell]
) -> tuple[list[VolumeEntry], list[tuple[Language, date]]]:
    """Read the grid: the forecasts to record and those to clear.

    A ticked "use observed" clears the day's forecast, unless the row had none and the user typed
    figures other than those shown: typing makes a forecast without having to untick the box.
    """
    by_key = {(cell.language.code, cell.day): cell for cell in cells}
    entries, clear = [], []
    for form in formset:
        data = form.cleaned_data
        language, day = data["language"], data["day"]
        cell = by_key[(language.code, day)]
        figures = (data["index_cases"], data["contacts"])
        if data["use_observed"]:
            typed = (
                cell.forecast is None and None not in figures and figures != _shown_figures(cell)
            )
            if not typed:
                if cell.forecast is not None:
                    clear.append((language, day))
                continue
        elif cell.forecast is not None and figures == _shown_figures(cell):
            continue
        entries.append(
            VolumeEntry(language=language, day=day, index_cases=figures[0], contacts=figures[1])
        )
    return entries, clear


@require_http_methods(["GET", "POST"])
@role_required(*PLANNERS)
def volume_forecasts(request: HttpRequest) -> HttpResponse:
    """Edit the expected patients zéro and contacts per language and day; save all rows or none."""
    territory = access_territory_in_query(request)
    if territory is None:
        return _choose_territory(request, "workforce:volume-forecasts")
    horizon_form = HorizonForm(request.GET, today=territory_today(territory))
    if not horizon_form.is_valid():
        return render(
            request,
            "workforce/staffing/forecasts.html",
            {"territory": territory, "horizon_form": horizon_form},
        )
    start, days = horizon_form.horizon()
    extra = request.GET.getlist("language")
    cells = selectors.forecast_grid(
        territory=territory, start=start, days=days, extra_languages=extra
    )
    languages = {cell.language.code: cell.language for cell in cells}
    FormSet = volume_forecast_formset(size=len(cells))
    form_kwargs = {"languages": languages, "days": horizon_days(start, days)}
    query = _query(request, territory, start=start.isoformat(), days=days)
    if request.method == "POST":
        formset = FormSet(request.POST, initial=_initial(cells), form_kwargs=form_kwargs)
        if formset.is_valid():
            entries, clear = _changes(formset, cells)
            save_volume_forecasts(territory=territory, entries=entries, clear=clear)
            messages.success(request, _("Expected volumes saved."))
            return redirect(f"{reverse('workforce:staffing')}?{query}")
    else:
        formset = FormSet(initial=_initial(cells), form_kwargs=form_kwargs)
    rows = []
    per_row = len(horizon_days(start, days))
    forms = list(formset)
    for offset in range(0, len(forms), per_row):
        chunk = list(
            zip(cells[offset : offset + per_row], forms[offset : offset + per_row], strict=True)
        )
        rows.append({"language": chunk[0][0].language, "cells": chunk})
    context = {
        "territory": territory,
        "horizon_form": horizon_form,
        "formset": formset,
        "rows": rows,
        "days": horizon_days(start, days),
        "query": query,
        "all_languages": Language.objects.exclude(code__in=languages),
        "observed_days": selectors.OBSERVED_DAYS,
    }
    return render(request, "workforce/staffing/forecasts.html", context)
