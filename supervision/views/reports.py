"""The SLA and productivity reports: pages and their CSV exports, built from the same selector and
the same columns, so the export says what the page says."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agents import roles
from agents.access import user_today
from agents.roles import role_required
from common.charts import bar_chart
from common.csv_files import csv_number, excel_csv_response
from common.reporting import reporting
from supervision.forms import DateRangeForm, ProductivityReportForm, SlaReportForm
from supervision.selectors import reports as selectors
from supervision.selectors.reports import ProductivityReport, ProductivityRow, SlaReport
from supervision.services.sla import days_to_recompute

# --- Cells: one value, shown on the page and written to the CSV -------------------------------


@dataclass(frozen=True)
class Duration:
    seconds: int | None


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable
    numeric: bool = False
    # What the header means, on the page (its title); the CSV has the header alone.
    title: str = ""


def hms(seconds: int | None) -> str:
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _page_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Duration):
        return hms(value.seconds) or "—"
    if isinstance(value, datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, float):
        return number_format(value, 1)
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value)  # « 12 345 »
    return str(value)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Duration):
        return hms(value.seconds)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return csv_number(value, 1)
    return str(value)


def _local(moment: datetime | None, zone) -> datetime | None:
    return moment.astimezone(zone) if moment is not None else None


def _page_rows(columns: list[Column], rows: Iterable) -> list[list[tuple[str, bool]]]:
    return [[(_page_text(column.value(row)), column.numeric) for column in columns] for row in rows]


def _sla_columns() -> list[Column]:
    return [
        Column(_("Day"), lambda r: r.day),
        Column(_("Territory"), lambda r: r.territory.code),
        Column(_("Contacts due"), lambda r: r.contacts_due, True),
        Column(_("Reached in time"), lambda r: r.contacts_reached, True),
        Column(_("Notified by SMS in time"), lambda r: r.contacts_notified, True),
        Column(_("Contacts missed"), lambda r: r.contacts_missed, True),
        Column(_("Reached or notified within 24 h (%)"), lambda r: r.contacts_share, True),
        Column(_("Contacts reached late"), lambda r: r.contacts_late, True),
        Column(_("Patients zéro due"), lambda r: r.index_due, True),
        Column(_("Patients zéro reached in time"), lambda r: r.index_reached, True),
        Column(_("Patients zéro reached in time (%)"), lambda r: r.index_share, True),
        Column(_("Patients zéro reached late"), lambda r: r.index_late, True),
        Column(_("Median time to first attempt"), lambda r: Duration(r.median_seconds), True),
        Column(_("Computed at"), lambda r: _local(r.computed_at, r.territory.zone)),
    ]


def _productivity_columns(report: ProductivityReport) -> list[Column]:
    def pause_of(code: str) -> Callable[[ProductivityRow], Duration]:
        return lambda r: Duration(r.pauses.get(code, 0))

    return [
        Column(_("Day"), lambda r: r.day),
        Column(_("Agent"), lambda r: str(r.agent)),
        Column(_("Username"), lambda r: r.agent.user.get_username()),
        Column(_("Territory"), lambda r: r.agent.territory.code),
        Column(_("Team"), lambda r: r.agent.team.name if r.agent.team else ""),
        Column(_("Calls"), lambda r: r.calls, True),
        Column(_("Reached"), lambda r: r.reached, True),
        Column(_("Short calls"), lambda r: r.short_calls, True),
        Column(_("Talk time"), lambda r: Duration(r.talk_seconds), True),
        Column(
            _("Calls not marked"),
            lambda r: r.talk_not_marked,
            True,
            _(
                "Calls with a conversation recorded without « Answered »: their talk time is "
                "not counted."
            ),
        ),
        Column(_("Wrap-up time"), lambda r: Duration(r.wrap_up_seconds), True),
        Column(_("Pause time"), lambda r: Duration(r.paused_seconds), True),
        *(
            Column(_("Pause: %(reason)s") % {"reason": reason.label}, pause_of(reason.code), True)
            for reason in report.reasons
        ),
        Column(_("Logged-in time"), lambda r: Duration(r.logged_in_seconds), True),
        Column(_("Active time"), lambda r: Duration(r.active_seconds), True),
        Column(_("Wrap-up past its limit"), lambda r: Duration(r.wrap_up_over_seconds), True),
        Column(
            _("Pause past its daily cap, not confirmed"),
            lambda r: Duration(r.pause_over_cap_seconds),
            True,
        ),
        Column(_("Active share (%)"), lambda r: r.active_share, True),
        Column(_("Calls per active hour"), lambda r: r.rates["calls_per_active_hour"], True),
        Column(_("Time on calls (%)"), lambda r: r.rates["on_call_share"], True),
        Column(
            _("Under the activity thresholds"),
            lambda r: _("Yes") if r.rates["low_rates"] else "",
        ),
        Column(_("First login"), lambda r: _local(r.first_login_at, r.agent.territory.zone)),
        Column(_("Last call"), lambda r: _local(r.last_call_at, r.agent.territory.zone)),
    ]


def _csv_response(*, filename: str, columns: list[Column], rows: Iterable) -> StreamingHttpResponse:
    """Export the columns of a report, as the page shows them."""
    return excel_csv_response(
        filename=filename,
        header=[column.header for column in columns],
        rows=([_csv_text(column.value(row)) for column in columns] for row in rows),
    )


def _bad_filters(form: DateRangeForm) -> HttpResponseBadRequest:
    errors = [str(error) for errors in form.errors.values() for error in errors]
    return HttpResponseBadRequest("\n".join(errors), content_type="text/plain; charset=utf-8")


def _sla_chart(report: SlaReport) -> dict:
    return bar_chart(
        chart_id="sla-chart",
        title=_("Share of calls reached or notified in time, per day"),
        labels=[date_format(row.day, "j M") for row in report.days],
        series=[
            (
                _("Contacts reached or notified within 24 h"),
                "a",
                [row.contacts_share for row in report.days],
            ),
            (_("Patients zéro reached in time"), "b", [row.index_share for row in report.days]),
        ],
        y_max=100,
        unit=" %",
    )


def _productivity_chart(report: ProductivityReport) -> dict:
    return bar_chart(
        chart_id="productivity-chart",
        title=_("Calls and people reached per day"),
        labels=[date_format(day, "j M") for day, _calls, _reached in report.days],
        series=[
            (_("Calls"), "a", [calls for _day, calls, _reached in report.days]),
            (_("Reached"), "b", [reached for _day, _calls, reached in report.days]),
        ],
    )


# --- Views ------------------------------------------------------------------------------------


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def sla_report(request: HttpRequest) -> HttpResponse:
    """Show the share of contacts and patients zéro reached in time, per day and territory."""
    with reporting() as source:
        form = SlaReportForm(request.GET, user=request.user, today=user_today(request.user))
        context = {
            "form": form,
            "late_hours": settings.LATE_CALLABLE_HOURS,
            "recomputed_days": days_to_recompute(),
            "report_source": source,
        }
        if form.is_valid():
            report = selectors.sla_report(user=request.user, **form.filters())
            columns = _sla_columns()
            context.update(
                report=report,
                headers=[(column.header, column.numeric, column.title) for column in columns],
                rows=_page_rows(columns, report.rows),
                chart=_sla_chart(report),
                query=form.data.urlencode(),
            )
        return render(request, "supervision/sla_report.html", context)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def sla_report_csv(request: HttpRequest) -> HttpResponse:
    """Export the SLA report's rows, with the same scoping and filters as the page."""
    with reporting():
        form = SlaReportForm(request.GET, user=request.user, today=user_today(request.user))
        if not form.is_valid():
            return _bad_filters(form)
        filters = form.filters()
        report = selectors.sla_report(user=request.user, **filters)
        filename = f"sla_{filters['start'].isoformat()}_{filters['end'].isoformat()}.csv"
        return _csv_response(filename=filename, columns=_sla_columns(), rows=report.rows)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def productivity_report(request: HttpRequest) -> HttpResponse:
    """Show each agent's calls, reached, talk, wrap-up and pause time and active share, per day."""
    with reporting() as source:
        form = ProductivityReportForm(
            request.GET, user=request.user, today=user_today(request.user)
        )
        context = {"form": form, "report_source": source}
        if form.is_valid():
            report = selectors.productivity_report(
                user=request.user, now=timezone.now(), **form.filters()
            )
            columns = _productivity_columns(report)
            context.update(
                report=report,
                headers=[(column.header, column.numeric, column.title) for column in columns],
                rows=_page_rows(columns, report.rows),
                chart=_productivity_chart(report),
                limit=selectors.PAGE_ROW_LIMIT,
                query=form.data.urlencode(),
            )
        return render(request, "supervision/productivity_report.html", context)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def productivity_report_csv(request: HttpRequest) -> HttpResponse:
    """Export every row of the productivity report, with the same scoping and filters as the
    page."""
    with reporting():
        form = ProductivityReportForm(
            request.GET, user=request.user, today=user_today(request.user)
        )
        if not form.is_valid():
            return _bad_filters(form)
        filters = form.filters()
        report = selectors.productivity_report(
            user=request.user, now=timezone.now(), limit=None, **filters
        )
        start, end = filters["start"].isoformat(), filters["end"].isoformat()
        return _csv_response(
            filename=f"productivity_{start}_{end}.csv",
            columns=_productivity_columns(report),
            rows=report.rows,
        )
