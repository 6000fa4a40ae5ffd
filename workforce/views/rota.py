"""Pages of the rota: opening hours, shift patterns, the weekly rota, my week, the time clock,
adherence and the payroll export."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import roles
from agents.access import access_own_territory, territory_today, user_today
from agents.models import Agent, Plateau, Territory
from agents.roles import role_required
from agents.selectors import opening_hours_of
from agents.services.opening_hours import save_opening_hours
from common.csv_files import csv_number, excel_csv_response
from common.reporting import reporting
from workforce.exceptions import AlreadyClockedIn, NotClockedIn, PatternNotApplied, ShiftRefused
from workforce.forms.rota import (
    AdherenceForm,
    ApplyPatternForm,
    AssignShiftForm,
    OpeningHoursForm,
    PayrollForm,
    ShiftPatternForm,
)
from workforce.models.contracts import Contract
from workforce.models.rota import Shift, ShiftPattern
from workforce.selectors.adherence import adherence_rows, plateau_agents
from workforce.selectors.payroll import (
    PREMIUM_HOLIDAY,
    PREMIUM_SUNDAY,
    SOURCE_CLOCK,
    SOURCE_MISSING_CLOCK_OUT,
    SOURCE_SCHEDULE,
    PayrollRow,
    month_bounds,
    payroll_rows,
    payroll_totals,
    rate_book,
    rates_in_force,
)
from workforce.selectors.rota import my_week as select_my_week
from workforce.selectors.rota import (
    parse_week,
    plateau_week,
    shift_minutes,
    shift_patterns_of,
    week_coverage,
    week_needs,
)
from workforce.services.rota import (
    apply_pattern_to_week,
    assign_shift,
    clock_in,
    clock_out,
    delete_shift_pattern,
    remove_shift,
    save_shift_pattern,
)
from workforce.views.confirmation import confirmed, render_confirmation

ROTA_READERS = (roles.ADMIN_CPAM, roles.SUPERVISEUR)

# --- Access helpers -----------------------------------------------------------------------------


def access_plateau(user, plateau_id: int) -> Plateau:
    return get_object_or_404(
        Plateau.objects.for_user(user).select_related("territory"), pk=plateau_id
    )


def access_shift(user, shift_id: int) -> Shift:
    return get_object_or_404(
        Shift.objects.for_user(user).select_related("agent", "plateau"), pk=shift_id
    )


def access_shift_pattern(user, pattern_id: int) -> ShiftPattern:
    return get_object_or_404(ShiftPattern.objects.for_user(user), pk=pattern_id)


def own_agent(user) -> Agent:
    """Return the user's own agent profile; a user without one (superuser, lab feed) has no week."""
    try:
        return Agent.objects.select_related("territory").get(user=user)
    except ObjectDoesNotExist:
        raise PermissionDenied from None


def working_territory(request: HttpRequest) -> Territory:
    """Return the territory an admin page acts on: the user's own; a superuser's ?territory= (or the
    first)."""
    if request.user.is_superuser:
        territories = Territory.objects.all()
        code = request.GET.get("territory") or request.POST.get("territory")
        territory = territories.filter(code=code).first() if code else territories.first()
        if territory is None:
            raise Http404
        return territory
    return access_own_territory(request.user)


# --- Rota ---------------------------------------------------------------------------------------


@require_GET
@role_required(*ROTA_READERS)
def rota(request: HttpRequest) -> HttpResponse:
    """Open the rota of the user's first plateau."""
    plateau = Plateau.objects.for_user(request.user).first()
    if plateau is None:
        raise Http404(_("Your territory has no plateau yet."))
    return redirect("workforce:plateau-rota", plateau_id=plateau.pk)


def _rota_url(plateau: Plateau, week_start: date) -> str:
    return f"{reverse('workforce:plateau-rota', args=[plateau.pk])}?week={week_start.isoformat()}"


def _render_rota(
    request,
    plateau: Plateau,
    week_start: date,
    *,
    assign_form=None,
    pattern_form=None,
    status: int = 200,
):
    can_edit = roles.has_role(request.user, roles.ADMIN_CPAM)
    week = plateau_week(plateau=plateau, week_start=week_start)
    needs = week_needs(
        territory=plateau.territory, week_start=week_start, today=territory_today(plateau.territory)
    )
    context = {
        "week": week,
        "coverage": week_coverage(week=week, needs=needs),
        "plateau": plateau,
        "plateaux": Plateau.objects.for_user(request.user),
        "can_edit": can_edit,
        "zone": plateau.territory.timezone,
        # A refused form is shown first, above the grid, where the page lands.
        "refused": "assign" if assign_form else "pattern" if pattern_form else None,
    }
    if can_edit:
        context["assign_form"] = assign_form or AssignShiftForm(
            plateau=plateau, initial={"day": week_start}
        )
        context["pattern_form"] = pattern_form or ApplyPatternForm(
            plateau=plateau, week_start=week_start
        )
    return render(request, "workforce/rota/plateau_rota.html", context, status=status)


@require_GET
@role_required(*ROTA_READERS)
def plateau_rota(request: HttpRequest, plateau_id: int) -> HttpResponse:
    """Show a plateau's week: its agents, their shifts per day, Sundays and public holidays
    marked."""
    plateau = access_plateau(request.user, plateau_id)
    week_start = parse_week(request.GET.get("week"), territory=plateau.territory)
    return _render_rota(request, plateau, week_start)


@require_POST
@role_required(roles.ADMIN_CPAM)
def shift_assign(request: HttpRequest, plateau_id: int) -> HttpResponse:
    """Put an agent on the rota for one day; a refused shift shows the form again with the
    reason."""
    plateau = access_plateau(request.user, plateau_id)
    form = AssignShiftForm(request.POST, plateau=plateau)
    if form.is_valid():
        week_start = parse_week(form.cleaned_data["day"].isoformat(), territory=plateau.territory)
        try:
            assign_shift(plateau=plateau, by=request.user, **form.shift())
        except ShiftRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Shift added."))
            return redirect(_rota_url(plateau, week_start))
    else:
        week_start = parse_week(request.POST.get("day"), territory=plateau.territory)
    return _render_rota(request, plateau, week_start, assign_form=form, status=400)


@require_POST
@role_required(roles.ADMIN_CPAM)
def shift_apply_pattern(request: HttpRequest, plateau_id: int) -> HttpResponse:
    """Put a shift pattern on several days of a week: every day asked, or none and the days that
    refused."""
    plateau = access_plateau(request.user, plateau_id)
    form = ApplyPatternForm(request.POST, plateau=plateau)
    week_start = parse_week(request.POST.get("week"), territory=plateau.territory)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shifts = apply_pattern_to_week(
                agent=data["agent"],
                plateau=plateau,
                week_start=week_start,
                pattern=data["pattern"],
                days=data["days"],
                by=request.user,
            )
        except PatternNotApplied as refusal:
            form.add_error(None, _("Nothing was added. These days refuse the pattern:"))
            for day, reason in refusal.refused:
                form.add_error(None, f"{day:%d/%m/%Y}: {reason}")
        except ShiftRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("%(count)d shifts added.") % {"count": len(shifts)})
            return redirect(_rota_url(plateau, week_start))
    return _render_rota(request, plateau, week_start, pattern_form=form, status=400)


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def shift_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    """Take a shift off the rota, once the admin has seen which shift and what it takes away."""
    shift = access_shift(request.user, shift_id)
    plateau = shift.plateau
    zone = shift.agent.territory.zone
    back = _rota_url(plateau, parse_week(shift.day.isoformat(), territory=shift.agent.territory))
    if shift.cancelled:
        messages.error(request, _("This shift was cancelled: it stays on the rota as history."))
        return redirect(back)
    if not confirmed(request):
        hours = f"{shift.starts_at.astimezone(zone):%H:%M}–{shift.ends_at.astimezone(zone):%H:%M}"
        return render_confirmation(
            request,
            title=_("Remove this shift?"),
            facts=[
                (_("Agent"), str(shift.agent)),
                (_("Day"), date_format(shift.day, "l j F Y")),
                (_("Hours"), hours),
                (_("Plateau"), plateau.name),
                (_("Shift pattern"), shift.pattern.name if shift.pattern else "—"),
            ],
            consequences=[
                _(
                    "The shift is deleted: it leaves the rota, the agent's week and the "
                    "plateau board's roster."
                ),
                _("Its %(hours)s scheduled hours no longer count in the week or the payroll.")
                % {"hours": number_format(shift_minutes(shift) / 60, 2)},
                _("Nothing else changes: the agent's other shifts and contract stay."),
            ],
            confirm_label=_("Remove the shift"),
            back_url=back,
            back_label=_("Keep the shift"),
        )
    try:
        remove_shift(shift=shift)
    except ShiftRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("Shift of %(agent)s on %(day)s removed.")
            % {"agent": shift.agent, "day": date_format(shift.day, "l j F Y")},
        )
    return redirect(back)


# --- Opening hours and shift patterns ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def opening_hours(request: HttpRequest) -> HttpResponse:
    """Show and change when the territory's floors open, day by day and on public holidays."""
    territory = working_territory(request)
    hours = opening_hours_of(territory=territory)
    if request.method == "POST":
        form = OpeningHoursForm(request.POST, hours=hours)
        if form.is_valid():
            save_opening_hours(territory=territory, hours=form.hours())
            messages.success(request, _("Opening hours saved."))
            return redirect(f"{reverse('workforce:opening-hours')}?territory={territory.code}")
    else:
        form = OpeningHoursForm(hours=hours)
    return render(
        request, "workforce/rota/opening_hours.html", {"form": form, "territory": territory}
    )


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def shift_patterns(request: HttpRequest) -> HttpResponse:
    """List the territory's shift patterns and add one."""
    territory = working_territory(request)
    if request.method == "POST":
        form = ShiftPatternForm(request.POST, territory=territory)
        if form.is_valid():
            save_shift_pattern(territory=territory, **form.cleaned_data)
            messages.success(request, _("Shift pattern saved."))
            return redirect(f"{reverse('workforce:shift-patterns')}?territory={territory.code}")
    else:
        form = ShiftPatternForm(territory=territory)
    patterns = shift_patterns_of(territory=territory)
    return render(
        request,
        "workforce/rota/shift_patterns.html",
        {"form": form, "patterns": patterns, "territory": territory},
    )


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def shift_pattern_delete(request: HttpRequest, pattern_id: int) -> HttpResponse:
    """Delete a shift pattern once confirmed; shifts made from it stay."""
    pattern = access_shift_pattern(request.user, pattern_id)
    back = f"{reverse('workforce:shift-patterns')}?territory={pattern.territory.code}"
    if not confirmed(request):
        made = Shift.objects.filter(pattern=pattern).count()
        return render_confirmation(
            request,
            title=_("Delete this shift pattern?"),
            facts=[
                (_("Name"), pattern.name),
                (_("Hours"), f"{pattern.starts_at:%H:%M}–{pattern.ends_at:%H:%M}"),
                (_("Unpaid break"), f"{pattern.break_minutes} min"),
            ],
            consequences=[
                _("The pattern leaves the lists of the rota's forms."),
                ngettext(
                    "%(count)d shift made from it stays on the rota, without the pattern's name.",
                    "%(count)d shifts made from it stay on the rota, without the pattern's name.",
                    made,
                )
                % {"count": made},
            ],
            confirm_label=_("Delete the pattern"),
            back_url=back,
            back_label=_("Keep the pattern"),
        )
    delete_shift_pattern(pattern=pattern)
    messages.success(request, _("Shift pattern « %(name)s » deleted.") % {"name": pattern.name})
    return redirect(back)


# --- My week and the time clock ----------------------------------------------------------------


@require_GET
@role_required(*roles.STAFF_ROLES)
def my_week(request: HttpRequest) -> HttpResponse:
    """Show the user's own shifts of a week (Monday to Sunday, in their territory's time), and the
    clock."""
    agent = own_agent(request.user)
    week_start = parse_week(request.GET.get("week"), territory=agent.territory)
    week = select_my_week(agent=agent, week_start=week_start)
    context = {
        "week": week,
        "zone": agent.territory.timezone,
        "today": territory_today(agent.territory),
    }
    return render(request, "workforce/rota/my_week.html", context)


@require_POST
@role_required(*roles.STAFF_ROLES)
def clock_in_view(request: HttpRequest) -> HttpResponse:
    """Clock the user in."""
    agent = own_agent(request.user)
    try:
        clock_in(agent=agent, now=timezone.now())
    except AlreadyClockedIn as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Clocked in."))
    return redirect("workforce:my-week")


@require_POST
@role_required(*roles.STAFF_ROLES)
def clock_out_view(request: HttpRequest) -> HttpResponse:
    """Clock the user out."""
    agent = own_agent(request.user)
    try:
        clock_out(agent=agent, now=timezone.now())
    except NotClockedIn as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Clocked out."))
    return redirect("workforce:my-week")


# --- Adherence ---------------------------------------------------------------------------------


@require_GET
@role_required(*ROTA_READERS)
def adherence(request: HttpRequest) -> HttpResponse:
    """Show, per agent of a plateau, the day scheduled against the time logged in and active."""
    form = AdherenceForm(request.GET, user=request.user, today=user_today(request.user))
    context: dict = {"form": form}
    if form.is_valid():
        plateau, day = form.cleaned_data["plateau"], form.cleaned_data["day"]
        agents = plateau_agents(plateau=plateau, day=day)
        context.update(
            plateau=plateau,
            day=day,
            rows=adherence_rows(agents=agents, start=day, end=day, now=timezone.now()),
            zone=plateau.territory.timezone,
        )
    return render(request, "workforce/rota/adherence.html", context)


# --- Payroll -----------------------------------------------------------------------------------


def _hours(minutes: int, *, on_page: bool = False) -> str:
    # A page groups thousands (« 1 234,50 »); a CSV cell must not, or Excel reads it as text.
    hours = minutes / 60
    return number_format(hours, 2) if on_page else csv_number(hours, 2)


def _amount(value: Decimal | None, *, on_page: bool = False) -> str:
    # Empty when the employer kind has no base rate: hours without amounts, never a made-up 0.
    if value is None:
        return ""
    return number_format(value, 2) if on_page else csv_number(value, 2)


def _payroll_filters(request: HttpRequest) -> tuple[Territory, PayrollForm]:
    territory = working_territory(request)
    return territory, PayrollForm(request.GET, today=territory_today(territory))


@require_GET
@role_required(roles.ADMIN_CPAM)
def payroll(request: HttpRequest) -> HttpResponse:
    """Show the month picker of the payroll export and the month's totals."""
    territory, form = _payroll_filters(request)
    context: dict = {"form": form, "territory": territory}
    if form.is_valid():
        start, end = month_bounds(form.cleaned_data["month"])
        rows = payroll_rows(territory=territory, start=start, end=end, now=timezone.now())
        totals = payroll_totals(rows)
        context.update(
            month=start,
            totals=totals,
            hours={
                "scheduled": _hours(totals.scheduled_minutes, on_page=True),
                "clocked": _hours(totals.clocked_minutes, on_page=True),
                "sunday": _hours(totals.sunday_minutes, on_page=True),
                "holiday": _hours(totals.holiday_minutes, on_page=True),
                "base": _hours(totals.base_minutes, on_page=True),
                "premium": _hours(totals.premium_minutes, on_page=True),
            },
            amounts={
                "base": _amount(totals.base_amount, on_page=True),
                "premium": _amount(totals.premium_amount, on_page=True),
                "total": _amount(totals.total_amount, on_page=True),
            },
            rates=rates_in_force(
                book=rate_book(territory=territory, end=end), start=start, end=end
            ),
            query=f"month={start:%Y-%m}&territory={territory.code}",
        )
    return render(request, "workforce/rota/payroll.html", context)


# What the Sunday and holiday hours were counted from.
SOURCE_LABELS = {
    SOURCE_CLOCK: lambda: _("clock"),
    SOURCE_SCHEDULE: lambda: _("schedule"),
    SOURCE_MISSING_CLOCK_OUT: lambda: _("schedule (clock-out missing)"),
}
PREMIUM_LABELS = {
    PREMIUM_SUNDAY: lambda: _("Sunday"),
    PREMIUM_HOLIDAY: lambda: _("public holiday"),
}


def _payroll_line(row: PayrollRow, zone, kinds: dict, employers: dict) -> list[str]:
    user = row.agent.user
    spans = ", ".join(
        f"{shift.starts_at.astimezone(zone):%H:%M}–{shift.ends_at.astimezone(zone):%H:%M}"
        for shift in row.shifts
    )
    return [
        user.get_username(),
        user.last_name,
        user.first_name,
        employers.get(row.agent.employer, row.agent.employer),
        kinds.get(row.contract_kind, ""),
        row.day.isoformat(),
        date_format(row.day, "l"),
        spans,
        _hours(row.scheduled_minutes),
        _hours(row.clocked_minutes) if row.has_clock_entry else "",
        _("yes") if row.is_sunday else _("no"),
        row.holiday or "",
        _hours(row.sunday_minutes),
        _hours(row.holiday_minutes),
        SOURCE_LABELS[row.source](),
        _hours(row.base_minutes),
        _amount(row.hourly_rate),
        _amount(row.base_amount),
        PREMIUM_LABELS[row.premium]() if row.premium else "",
        _amount(row.premium_percent),
        _hours(row.premium_minutes),
        _amount(row.premium_amount),
        _amount(row.total_amount),
    ]


@require_GET
@role_required(roles.ADMIN_CPAM)
@reporting()
def payroll_export(request: HttpRequest) -> HttpResponse:
    """Export one CSV row per agent and day worked in the month, Sunday and public-holiday hours
    apart, with the base and premium hours and amounts."""
    territory, form = _payroll_filters(request)
    if not form.is_valid():
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return HttpResponseBadRequest("\n".join(errors), content_type="text/plain; charset=utf-8")
    start, end = month_bounds(form.cleaned_data["month"])
    rows = payroll_rows(territory=territory, start=start, end=end, now=timezone.now())
    zone = territory.zone
    kinds, employers = dict(Contract.Kind.choices), dict(Agent.Employer.choices)
    headers = [
        _("Username"),
        _("Last name"),
        _("First name"),
        _("Employer"),
        _("Contract"),
        _("Date"),
        _("Weekday"),
        _("Shifts"),
        _("Scheduled hours"),
        _("Clocked hours"),
        _("Sunday"),
        _("Public holiday"),
        _("Sunday hours"),
        _("Public holiday hours"),
        _("Source"),
        _("Base hours"),
        _("Base hourly rate (€)"),
        _("Base amount (€)"),
        _("Premium"),
        _("Premium rate (%)"),
        _("Premium hours"),
        _("Premium amount (€)"),
        _("Total amount (€)"),
    ]
    return excel_csv_response(
        filename=f"payroll_{territory.code}_{start:%Y-%m}.csv",
        header=headers,
        rows=(_payroll_line(row, zone, kinds, employers) for row in rows),
    )
