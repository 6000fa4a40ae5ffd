"""Provider invoices (issue 14, part 6): the CSV import, all or nothing with errors by line and
column; the reconciliation of every line against the evidence (the agent's day counters and the
carrier's records), set-based; the CPAM admin's decision on a line."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from agents.models import Agent, AgentDay, Territory
from calls.models import CarrierCall
from common import csv_files
from common.csv_files import CsvLayout, cell_error, error_line, read_csv
from common.exceptions import CsvImportError
from integrity.invoice_models import InvoiceLine, ProviderInvoice, ProviderRate

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
# The file's columns, in this order in the template; every one is required.
COLUMNS = ("agent", "day", "billed_hours", "billed_calls")
# More than this in one agent's day is not a day's work but a typing error (Code du travail,
# art. L3121-18 and L3121-19: 10 hours a day, 12 at most under an agreement).
MAX_HOURS_PER_DAY = Decimal("12")
MAX_CALLS_PER_DAY = 500
CENT = Decimal("0.01")
SECONDS_PER_HOUR = Decimal(3600)
NOTE_MAX_LENGTH = 500

# Effective states of a line, disputed first in the report.
STATE_DISPUTED = "disputed"
STATE_AUTO_DISPUTED = "auto_disputed"
STATE_ACCEPTED = "accepted"
STATE_WITHIN_TOLERANCE = "within_tolerance"


class InvoiceImportError(CsvImportError):
    """The invoice file was refused; nothing was recorded."""


def too_large_message() -> str:
    return csv_files.too_large_message(MAX_FILE_BYTES)


def month_bounds(month: date) -> tuple[date, date]:
    """Return the first and last day of the month of `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def providers_of(territory: Territory) -> list[str]:
    """Return the names of the providers whose agents work in the territory, or that have rates
    there (one query each)."""
    names = set(
        Agent.objects.filter(territory=territory, employer=Agent.Employer.PROVIDER).values_list(
            "provider_name", flat=True
        )
    )
    names |= set(
        ProviderRate.objects.filter(territory=territory).values_list("provider", flat=True)
    )
    return sorted(name for name in names if name)


def template_rows(*, month: date) -> list[list[str]]:
    """Return the template file: the header the importer reads, then two example rows."""
    first, _last = month_bounds(month)
    return [
        list(COLUMNS),
        ["agent.username", first.isoformat(), "7.5", "42"],
        ["agent.username", (first + timedelta(days=1)).isoformat(), "7", "38"],
    ]


# --- Import --------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    agent: Agent
    day: date
    hours: Decimal
    calls: int


def import_invoice(
    *,
    territory: Territory,
    provider: str,
    month: date,
    content: bytes,
    file_name: str,
    by: User,
    now: datetime,
) -> ProviderInvoice:
    """Check every line of a provider's invoice, then record it with all its lines, or nothing."""
    first, _last = month_bounds(month)
    if ProviderInvoice.objects.filter(territory=territory, provider=provider, month=first).exists():
        raise InvoiceImportError([_already_imported(provider, first)])
    rows = _read_rows(territory=territory, provider=provider, month=first, content=content)
    try:
        with transaction.atomic():
            invoice = ProviderInvoice.objects.create(
                territory=territory,
                provider=provider,
                month=first,
                uploaded_by=by,
                uploaded_at=now,
                file_name=file_name[:255],
                billed_hours=sum((r.hours for r in rows), Decimal(0)),
                billed_calls=sum(r.calls for r in rows),
                line_count=len(rows),
            )
            InvoiceLine.objects.bulk_create(
                InvoiceLine(
                    invoice=invoice,
                    line_number=r.line,
                    agent=r.agent,
                    day=r.day,
                    billed_hours=r.hours,
                    billed_calls=r.calls,
                )
                for r in rows
            )
    except IntegrityError:
        # The same invoice was imported by someone else while this file was being checked.
        raise InvoiceImportError([_already_imported(provider, first)]) from None
    return invoice


def _already_imported(provider: str, month: date) -> str:
    return _("The invoice of %(provider)s for %(month)s is already imported.") % {
        "provider": provider,
        "month": month.strftime("%m/%Y"),
    }


def _read_rows(*, territory: Territory, provider: str, month: date, content: bytes) -> list[_Row]:
    raw_rows, errors = read_csv(
        content,
        layout=CsvLayout(
            columns=COLUMNS, required=COLUMNS, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS
        ),
        error=InvoiceImportError,
    )
    first, last = month_bounds(month)
    # Every agent the file names, in one query.
    agents = {
        a.user.username: a
        for a in Agent.objects.filter(
            user__username__in={values["agent"] for _line, values in raw_rows}
        ).select_related("user")
    }
    rates = list(ProviderRate.objects.filter(territory=territory, provider=provider))
    rows: list[_Row] = []
    first_line_of: dict[tuple[int, date], int] = {}
    for line, values in raw_rows:
        row_errors: list[str] = []
        agent = _check_agent(line, values["agent"], agents, territory=territory, provider=provider)
        if isinstance(agent, str):
            row_errors.append(agent)
            agent = None
        day = _check_day(line, values["day"], first=first, last=last, rates=rates)
        if isinstance(day, str):
            row_errors.append(day)
            day = None
        hours = _check_hours(line, values["billed_hours"])
        if isinstance(hours, str):
            row_errors.append(hours)
        calls = _check_calls(line, values["billed_calls"])
        if isinstance(calls, str):
            row_errors.append(calls)
        if agent is not None and day is not None:
            seen_on = first_line_of.setdefault((agent.pk, day), line)
            if seen_on != line:
                row_errors.append(
                    cell_error(
                        line,
                        "day",
                        _("the same agent and day as line %(line)d.") % {"line": seen_on},
                    )
                )
        errors.extend(row_errors)
        if not row_errors:
            assert agent is not None and day is not None
            assert isinstance(hours, Decimal) and isinstance(calls, int)
            rows.append(_Row(line=line, agent=agent, day=day, hours=hours, calls=calls))
    if errors:
        raise InvoiceImportError(sorted(errors, key=error_line))
    return rows


def _check_agent(
    line: int, value: str, agents: dict[str, Agent], *, territory: Territory, provider: str
) -> Agent | str:
    if not value:
        return cell_error(line, "agent", _("This value is required."))
    agent = agents.get(value)
    if agent is None:
        return cell_error(line, "agent", _("unknown agent: %(value)s") % {"value": value})
    if agent.territory_id != territory.pk:
        return cell_error(
            line, "agent", _("%(value)s is not an agent of this territory.") % {"value": value}
        )
    if agent.employer != Agent.Employer.PROVIDER or agent.provider_name != provider:
        return cell_error(
            line,
            "agent",
            _("%(value)s is not an agent of %(provider)s.")
            % {"value": value, "provider": provider},
        )
    return agent


def _check_day(
    line: int, value: str, *, first: date, last: date, rates: list[ProviderRate]
) -> date | str:
    if not value:
        return cell_error(line, "day", _("This value is required."))
    day = _parse_day(value)
    if day is None:
        return cell_error(
            line, "day", _("not a date: %(value)s (expected YYYY-MM-DD).") % {"value": value}
        )
    if not first <= day <= last:
        return cell_error(
            line,
            "day",
            _("%(day)s is outside the month billed (%(month)s).")
            % {"day": day.isoformat(), "month": first.strftime("%m/%Y")},
        )
    if _rate_on(rates, day) is None:
        return cell_error(
            line,
            "day",
            _("no rate of this provider covers %(day)s: add it first.") % {"day": day.isoformat()},
        )
    return day


def _parse_day(value: str) -> date | None:
    """Read an ISO day (2026-01-15) or a French one (15/01/2026, as French Excel writes it)."""
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_hours(line: int, value: str) -> Decimal | str:
    try:
        hours = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return cell_error(line, "billed_hours", _("not a number: %(value)s") % {"value": value})
    if not hours.is_finite() or hours < 0:
        return cell_error(line, "billed_hours", _("must be zero or more."))
    if hours > MAX_HOURS_PER_DAY:
        return cell_error(
            line,
            "billed_hours",
            _("%(value)s hours in one day is not possible (at most %(max)s).")
            % {"value": value, "max": MAX_HOURS_PER_DAY},
        )
    if hours != hours.quantize(CENT):
        return cell_error(line, "billed_hours", _("at most two decimals."))
    return hours.quantize(CENT)


def _check_calls(line: int, value: str) -> int | str:
    try:
        calls = int(value)
    except ValueError:
        return cell_error(
            line, "billed_calls", _("not a whole number: %(value)s") % {"value": value}
        )
    if calls < 0:
        return cell_error(line, "billed_calls", _("must be zero or more."))
    if calls > MAX_CALLS_PER_DAY:
        return cell_error(
            line,
            "billed_calls",
            _("%(value)s calls in one day is not possible (at most %(max)d).")
            % {"value": value, "max": MAX_CALLS_PER_DAY},
        )
    return calls


def _rate_on(rates: list[ProviderRate], day: date) -> ProviderRate | None:
    """Return the rate in force on the day: the latest start that covers it."""
    covering = [r for r in rates if r.covers(day)]
    return max(covering, key=lambda r: r.valid_from) if covering else None


# --- Reconciliation ----------------------------------------------------------------------------


def _amount(hours: Decimal, calls: int, rate: ProviderRate | None) -> Decimal | None:
    if rate is None:
        return None
    return (hours * rate.hourly_rate + calls * rate.per_call_rate).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class LineFigures:
    """One invoice line against its evidence."""

    line: InvoiceLine
    rate: ProviderRate | None
    logged_in_hours: Decimal
    active_hours: Decimal
    proven_hours: Decimal
    carrier_calls: int
    connected_calls: int
    billed_amount: Decimal | None
    proven_amount: Decimal | None
    auto_disputed: bool

    @property
    def proven_calls(self) -> int:
        return self.carrier_calls

    @property
    def excess_hours(self) -> Decimal:
        return self.line.billed_hours - self.proven_hours

    @property
    def excess_calls(self) -> int:
        return self.line.billed_calls - self.proven_calls

    @property
    def excess_amount(self) -> Decimal | None:
        if self.billed_amount is None or self.proven_amount is None:
            return None
        return self.billed_amount - self.proven_amount

    @property
    def state(self) -> str:
        if self.line.decision == InvoiceLine.Decision.DISPUTED:
            return STATE_DISPUTED
        if self.line.decision == InvoiceLine.Decision.ACCEPTED:
            return STATE_ACCEPTED
        return STATE_AUTO_DISPUTED if self.auto_disputed else STATE_WITHIN_TOLERANCE

    @property
    def disputed(self) -> bool:
        return self.state in (STATE_DISPUTED, STATE_AUTO_DISPUTED)


@dataclass
class InvoiceReport:
    invoice: ProviderInvoice
    lines: list[LineFigures] = field(default_factory=list)

    def _sum(self, attribute: str):
        values = [getattr(f, attribute) for f in self.lines]
        return sum((v for v in values if v is not None), Decimal(0))

    @property
    def billed_hours(self) -> Decimal:
        return sum((f.line.billed_hours for f in self.lines), Decimal(0))

    @property
    def proven_hours(self) -> Decimal:
        return self._sum("proven_hours")

    @property
    def logged_in_hours(self) -> Decimal:
        return self._sum("logged_in_hours")

    @property
    def active_hours(self) -> Decimal:
        return self._sum("active_hours")

    @property
    def billed_calls(self) -> int:
        return sum(f.line.billed_calls for f in self.lines)

    @property
    def proven_calls(self) -> int:
        return sum(f.proven_calls for f in self.lines)

    @property
    def connected_calls(self) -> int:
        return sum(f.connected_calls for f in self.lines)

    @property
    def billed_amount(self) -> Decimal:
        return self._sum("billed_amount")

    @property
    def proven_amount(self) -> Decimal:
        return self._sum("proven_amount")

    @property
    def disputed_count(self) -> int:
        return sum(1 for f in self.lines if f.disputed)

    @property
    def disputed_amount(self) -> Decimal:
        """What the disputed lines bill beyond their evidence."""
        return sum(
            (f.excess_amount for f in self.lines if f.disputed and f.excess_amount is not None),
            Decimal(0),
        )


def reconcile(invoice: ProviderInvoice) -> InvoiceReport:
    """Set each line of the invoice against its evidence, disputed lines first: four queries
    for the whole invoice (lines, day counters, carrier calls, rates), whatever its size."""
    zone = invoice.territory.zone
    first, last = month_bounds(invoice.month)
    lines = list(
        invoice.lines.select_related("agent__user", "decided_by").order_by("day", "line_number")
    )
    agent_ids = {line.agent_id for line in lines}
    days = {
        (d["agent_id"], d["day"]): d
        for d in AgentDay.objects.filter(agent_id__in=agent_ids, day__gte=first, day__lte=last)
        .values(
            "agent_id",
            "day",
            "ready_seconds",
            "on_call_seconds",
            "wrap_up_seconds",
            "wrap_up_over_seconds",
            "paused_seconds",
        )
        .order_by()
    }
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    calls = {
        (c["assignment__agent_id"], c["local_day"]): c
        for c in CarrierCall.objects.filter(
            assignment__agent_id__in=agent_ids, started_at__gte=start, started_at__lt=end
        )
        .annotate(local_day=TruncDate("started_at", tzinfo=zone))
        .values("assignment__agent_id", "local_day")
        .annotate(
            n=Count("pk"),
            connected=Count("pk", filter=Q(answered_by=CarrierCall.AnsweredBy.PERSON)),
        )
        .order_by()
    }
    rates = list(
        ProviderRate.objects.filter(
            territory_id=invoice.territory_id, provider=invoice.provider, valid_from__lte=last
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
    )
    tolerance_hours = Decimal(settings.INVOICE_TOLERANCE_MINUTES) / 60
    tolerance_calls = settings.INVOICE_TOLERANCE_CALLS
    report = InvoiceReport(invoice=invoice)
    for line in lines:
        d = days.get((line.agent_id, line.day)) or {}
        c = calls.get((line.agent_id, line.day)) or {}
        ready = d.get("ready_seconds", 0)
        on_call = d.get("on_call_seconds", 0)
        wrap_up = d.get("wrap_up_seconds", 0)
        over = d.get("wrap_up_over_seconds", 0)
        paused = d.get("paused_seconds", 0)
        proven_seconds = ready + on_call + wrap_up - over
        rate = _rate_on(rates, line.day)
        proven_hours = _hours(proven_seconds)
        carrier_calls = c.get("n", 0)
        report.lines.append(
            LineFigures(
                line=line,
                rate=rate,
                logged_in_hours=_hours(ready + on_call + wrap_up + paused),
                active_hours=_hours(on_call + wrap_up - over),
                proven_hours=proven_hours,
                carrier_calls=carrier_calls,
                connected_calls=c.get("connected", 0),
                billed_amount=_amount(line.billed_hours, line.billed_calls, rate),
                proven_amount=_amount(
                    Decimal(proven_seconds) / SECONDS_PER_HOUR, carrier_calls, rate
                ),
                auto_disputed=(
                    line.billed_hours - proven_hours > tolerance_hours
                    or line.billed_calls - carrier_calls > tolerance_calls
                ),
            )
        )
    report.lines.sort(key=lambda f: (not f.disputed, f.line.day, f.line.line_number))
    return report


# --- Decisions ---------------------------------------------------------------------------------


def decide_line(*, line: InvoiceLine, decision: str, note: str, by: User, now: datetime) -> None:
    """Record a CPAM admin's decision on a line (accepted or disputed) with a note: who and
    when are kept; a later decision replaces it."""
    if decision not in InvoiceLine.Decision.values:
        raise ValueError(decision)
    line.decision = decision
    line.note = note[:NOTE_MAX_LENGTH]
    line.decided_by = by
    line.decided_at = now
    line.save(update_fields=["decision", "note", "decided_by", "decided_at"])
