"""The surge simulator and staffing planner (issue 15, part 5), under the staffing area, for CPAM
admins: one day of the territory simulated with its rota (calls.simulation, the production
policies), the smallest rota that keeps the 24-hour promise (workforce.services.planner), beside
the workload formula and the rota as it stands; the proposal written as draft shifts.

The territory is the user's own; a superuser names one with ?territory=<id>, as on the staffing
page."""

from contextlib import suppress
from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.access import access_territory_in_query, territory_today
from agents.models import Territory
from agents.roles import role_required
from calls.simulation import ShiftSpec, SimulationResult, simulate
from common.charts import bar_chart
from workforce.forms.simulator import SimulatorForm
from workforce.models.rota import Shift
from workforce.services import planner
from workforce.services.simulation_inputs import expected_volumes, scenario_for

# The hours shown: the simulated day (the simulation runs one more day for the deadlines).
HOURS = 24


def _form(request: HttpRequest, territory: Territory, data) -> SimulatorForm:
    """The form bound to `data`, its blanks filled with the chosen day's expected volumes
    (tomorrow's by default)."""
    day = territory_today(territory) + timedelta(days=1)
    with suppress(ValueError):  # the form says what is wrong with it
        day = date.fromisoformat((data or {}).get("day") or "")
    volumes = expected_volumes(territory=territory, day=day)
    return SimulatorForm(
        data,
        defaults=SimulatorForm.defaults(
            day=day, index_cases=volumes.index_cases, contacts=volumes.contacts
        ),
    )


def _query(request: HttpRequest, territory: Territory, form: SimulatorForm, **extra) -> str:
    params = {
        name: form.data.get(name, "") for name in ("day", "index_cases", "contacts", "target")
    }
    params.update(extra)
    if request.user.is_superuser:
        params["territory"] = territory.pk
    return urlencode(params)


def _percent(value: float) -> float:
    return round(value * 100, 1)


def _charts(current: SimulationResult, plan: planner.StaffingPlan) -> list[dict]:
    proposed = plan.result
    hours = [f"{h:02d}h" for h in range(HOURS)]

    def share_by_hour(result):
        return [_percent(f.share_within_24h) if f.people else None for f in result.by_hour[:HOURS]]

    def queue_by_hour(result):
        return [f.queue_length for f in result.by_hour[:HOURS]]

    languages = sorted(current.by_language, key=lambda code: -current.by_language[code].people)

    def occupancy(result):
        values = []
        for code in languages:
            hours_worked = [
                f.occupancy for f in result.by_language_hour.get(code, [])[:HOURS] if f.occupancy
            ]
            values.append(
                round(100 * sum(hours_worked) / len(hours_worked), 1) if hours_worked else None
            )
        return values

    def both(values_of) -> list:
        """The rota as it stands and the planner's proposal, side by side."""
        return [
            (_("The rota as it stands"), "a", values_of(current)),
            (_("The planner's proposal"), "b", values_of(proposed)),
        ]

    return [
        bar_chart(
            chart_id="share-chart",
            title=_("Share reached or notified within 24 h, by hour of identification"),
            labels=hours,
            series=both(share_by_hour),
            y_max=100,
            unit=" %",
        ),
        bar_chart(
            chart_id="queue-chart",
            title=_("Calls waiting in the queue, by hour"),
            labels=hours,
            series=both(queue_by_hour),
        ),
        bar_chart(
            chart_id="occupancy-chart",
            title=_("Agents' occupancy per language (busy share of the hours worked)"),
            labels=[code.upper() for code in languages],
            series=both(occupancy),
            y_max=100,
            unit=" %",
        ),
    ]


def _shift_rows(current: tuple[ShiftSpec, ...], proposed: tuple[ShiftSpec, ...]) -> list[dict]:
    rows = []
    for now, then in zip(current, proposed, strict=True):
        rows.append(
            {
                "start": now.start,
                "end": now.end,
                "language": now.languages[0],
                "others": now.languages[1:],
                "now": now.count,
                "proposed": then.count,
                "change": then.count - now.count,
            }
        )
    return rows


def _missing(
    current: tuple[ShiftSpec, ...], proposed: tuple[ShiftSpec, ...]
) -> tuple[ShiftSpec, ...]:
    """The shifts the proposal adds to the rota: for each shift, the agents beyond today's."""
    return tuple(
        replace(then, count=max(0, then.count - now.count))
        for now, then in zip(current, proposed, strict=True)
    )


def _run(request: HttpRequest, territory: Territory, form: SimulatorForm):
    data = form.cleaned_data
    scenario = scenario_for(
        territory=territory,
        day=data["day"],
        index_cases=data["index_cases"],
        contacts=data["contacts"],
        include_drafts=True,
    )
    current = simulate(scenario)
    plan = planner.plan_staffing(
        scenario, data["target"] / 100, territory=territory, day=data["day"]
    )
    return scenario, current, plan


def _drafts(territory: Territory, day: date) -> list[Shift]:
    return list(
        Shift.objects.drafts()
        .filter(agent__territory=territory, day=day)
        .select_related("agent__user")
        .prefetch_related("agent__languages")
        .order_by("starts_at", "agent__user__last_name", "pk")
    )


@require_GET
@role_required(roles.ADMIN_CPAM)
def simulator(request: HttpRequest) -> HttpResponse:
    territory = access_territory_in_query(request)
    if territory is None:
        return render(
            request,
            "workforce/staffing/choose_territory.html",
            {
                "territories": Territory.objects.for_user(request.user),
                "url_name": "workforce:simulator",
            },
        )
    form = _form(request, territory, request.GET if request.GET.get("day") else None)
    context: dict = {"territory": territory, "form": form}
    if form.is_valid():
        scenario, current, plan = _run(request, territory, form)
        target = form.cleaned_data["target"]
        context.update(
            {
                "scenario": scenario,
                "current": current,
                "current_share": _percent(current.share_of_reachable),
                "meets_target": current.share_of_reachable * 100 >= target,
                "plan": plan,
                "plan_share": _percent(plan.share_within_24h),
                "target": target,
                "charts": _charts(current, plan),
                "shift_rows": _shift_rows(scenario.shifts, plan.shifts),
                "to_add": sum(s.count for s in _missing(scenario.shifts, plan.shifts)),
                "drafts": _drafts(territory, form.cleaned_data["day"]),
                "query": _query(request, territory, form),
            }
        )
    return render(request, "workforce/staffing/simulator.html", context)


@require_POST
@role_required(roles.ADMIN_CPAM)
def apply_plan(request: HttpRequest) -> HttpResponse:
    """Write the proposal's missing agents as draft shifts of the day, for an admin to confirm
    on the rota."""
    territory = access_territory_in_query(request)
    if territory is None:
        return redirect("workforce:simulator")
    form = _form(request, territory, request.POST)
    if not form.is_valid():
        messages.error(request, _("The scenario is not valid: nothing was written."))
        return redirect(reverse("workforce:simulator") + "?" + _query(request, territory, form))
    scenario, _current, plan = _run(request, territory, form)
    day = form.cleaned_data["day"]
    added = planner.apply_plan_as_drafts(
        replace(plan, shifts=_missing(scenario.shifts, plan.shifts)),
        territory,
        request.user,
        day=day,
    )
    if added.created:
        messages.success(
            request,
            ngettext(
                "%(count)s draft shift written to the rota: confirm it below.",
                "%(count)s draft shifts written to the rota: confirm them below.",
                len(added.created),
            )
            % {"count": len(added.created)},
        )
    for code, count in sorted(added.unfilled.items()):
        messages.warning(
            request,
            _("%(count)s more agents speaking %(language)s are needed: nobody free that day.")
            % {"count": count, "language": code.upper()},
        )
    if not added.created and not added.unfilled:
        messages.info(request, _("The rota already meets the proposal: nothing to add."))
    return redirect(reverse("workforce:simulator") + "?" + _query(request, territory, form))


@require_POST
@role_required(roles.ADMIN_CPAM)
def decide_drafts(request: HttpRequest) -> HttpResponse:
    """Confirm the day's draft shifts (they join the rota: worked, paid, counted) or discard
    them."""
    territory = access_territory_in_query(request)
    if territory is None:
        return redirect("workforce:simulator")
    form = _form(request, territory, request.POST)
    decision = request.POST.get("decision")
    if not form.is_valid() or decision not in ("confirm", "discard"):
        messages.error(request, _("The scenario is not valid: nothing was written."))
        return redirect(reverse("workforce:simulator") + "?" + _query(request, territory, form))
    ids = [s.pk for s in _drafts(territory, form.cleaned_data["day"])]
    if decision == "confirm":
        n = planner.confirm_draft_shifts(territory=territory, shift_ids=ids)
        text = ngettext(
            "%(count)s shift confirmed: it is on the rota.",
            "%(count)s shifts confirmed: they are on the rota.",
            n,
        )
    else:
        n = planner.discard_draft_shifts(territory=territory, shift_ids=ids)
        text = ngettext("%(count)s draft shift discarded.", "%(count)s draft shifts discarded.", n)
    messages.success(request, text % {"count": n})
    return redirect(reverse("workforce:simulator") + "?" + _query(request, territory, form))
