"""Provider invoices: the list, the import, the report with its evidence and the decisions on
lines, the CSV export, and the providers' rates. CPAM admins of the territory only: the rates and
amounts are the payer's business, and so is disputing a line (supervisors read the evidence
itself on the integrity page)."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agents import roles
from agents.access import access_own_territory, territory_today
from agents.roles import role_required
from common.csv_files import csv_number, excel_csv_response
from integrity import invoices
from integrity.invoice_forms import InvoiceImportForm, LineDecisionForm, ProviderRateForm
from integrity.invoice_models import InvoiceLine, ProviderInvoice, ProviderRate
from integrity.invoices import InvoiceImportError

STATE_LABELS = {
    invoices.STATE_DISPUTED: gettext_lazy("Disputed"),
    invoices.STATE_AUTO_DISPUTED: gettext_lazy("Disputed automatically"),
    invoices.STATE_ACCEPTED: gettext_lazy("Accepted"),
    invoices.STATE_WITHIN_TOLERANCE: gettext_lazy("Within tolerance"),
}


def _state_label(state: str) -> str:
    return str(STATE_LABELS[state])


@require_GET
@role_required(roles.ADMIN_CPAM)
def invoice_list(request: HttpRequest) -> HttpResponse:
    """The territory's provider invoices, the newest month first; one provider's with
    ?provider=<name> (the link from the integrity page's per-provider summary)."""
    invoices_ = ProviderInvoice.objects.for_user(request.user).select_related(
        "territory", "uploaded_by"
    )
    provider = request.GET.get("provider", "").strip()
    if provider:
        invoices_ = invoices_.filter(provider=provider)
    return render(
        request, "integrity/invoices/list.html", {"invoices": invoices_, "provider": provider}
    )


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def invoice_import(request: HttpRequest) -> HttpResponse:
    """Upload a provider's monthly invoice: every line is checked, then all are recorded or
    none, each error with its line number and column."""
    territory = access_own_territory(request.user)
    providers = invoices.providers_of(territory)
    errors: list[str] = []
    if request.method == "POST":
        form = InvoiceImportForm(request.POST, request.FILES, providers=providers)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                invoice = invoices.import_invoice(
                    territory=territory,
                    provider=form.cleaned_data["provider"],
                    month=form.cleaned_data["month"],
                    content=b"".join(upload.chunks()),
                    file_name=upload.name or "",
                    by=request.user,
                    now=timezone.now(),
                )
            except InvoiceImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    ngettext(
                        "Invoice imported: %(count)d line.",
                        "Invoice imported: %(count)d lines.",
                        invoice.line_count,
                    )
                    % {"count": invoice.line_count},
                )
                return redirect("integrity:invoice", pk=invoice.pk)
    else:
        # Invoices come after the month: the last one is the likely choice.
        last_month = (territory_today(territory).replace(day=1) - timedelta(days=1)).replace(day=1)
        form = InvoiceImportForm(providers=providers, initial={"month": last_month})
    context = {
        "form": form,
        "errors": errors,
        "providers": providers,
        "columns": invoices.COLUMNS,
        "max_megabytes": invoices.MAX_FILE_BYTES // (1024 * 1024),
        "max_rows": invoices.MAX_ROWS,
        "max_hours": invoices.MAX_HOURS_PER_DAY,
        "max_calls": invoices.MAX_CALLS_PER_DAY,
    }
    status = 400 if errors or form.errors else 200
    return render(request, "integrity/invoices/import.html", context, status=status)


@require_GET
@role_required(roles.ADMIN_CPAM)
def invoice_template(request: HttpRequest) -> StreamingHttpResponse:
    """Download an invoice file to fill in: the importer's columns and two example rows."""
    territory = access_own_territory(request.user)
    header, *rows = invoices.template_rows(month=territory_today(territory))
    return excel_csv_response(filename="invoice-template.csv", header=header, rows=rows)


def _access_invoice(request: HttpRequest, pk: int) -> ProviderInvoice:
    """Return an invoice of the user's territory; 404 otherwise, so its existence stays secret."""
    return get_object_or_404(
        ProviderInvoice.objects.for_user(request.user).select_related("territory", "uploaded_by"),
        pk=pk,
    )


@require_GET
@role_required(roles.ADMIN_CPAM)
def invoice_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Billed vs proven for one provider and month: totals, then each line with its evidence,
    disputed lines first."""
    invoice = _access_invoice(request, pk)
    report = invoices.reconcile(invoice)
    for figures in report.lines:
        figures.state_label = _state_label(figures.state)  # type: ignore[attr-defined]
    context = {
        "invoice": invoice,
        "report": report,
        "tolerance_minutes": settings.INVOICE_TOLERANCE_MINUTES,
        "tolerance_calls": settings.INVOICE_TOLERANCE_CALLS,
        "decisions": InvoiceLine.Decision.choices,
    }
    return render(request, "integrity/invoices/report.html", context)


def _hours(value) -> str:
    return csv_number(value, 2)


@require_GET
@role_required(roles.ADMIN_CPAM)
def invoice_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The report's lines as a CSV for Excel, disputed first, every cell neutralised."""
    invoice = _access_invoice(request, pk)
    report = invoices.reconcile(invoice)
    header = [
        _("Line"),
        _("Day"),
        _("Agent"),
        _("Username"),
        _("Hours billed"),
        _("Hours logged in"),
        _("Hours active"),
        _("Hours proven"),
        _("Calls billed"),
        _("Calls with a carrier record"),
        _("Calls connected"),
        _("Amount billed (€)"),
        _("Amount proven (€)"),
        _("Difference (€)"),
        _("State"),
        _("Decided by"),
        _("Decided at"),
        _("Note"),
    ]
    zone = invoice.territory.zone

    def money(value) -> str:
        return "" if value is None else csv_number(value, 2)

    def rows():
        for f in report.lines:
            line = f.line
            user = line.agent.user
            yield [
                line.line_number,
                line.day.isoformat(),
                user.get_full_name() or user.get_username(),
                user.get_username(),
                _hours(line.billed_hours),
                _hours(f.logged_in_hours),
                _hours(f.active_hours),
                _hours(f.proven_hours),
                line.billed_calls,
                f.carrier_calls,
                f.connected_calls,
                money(f.billed_amount),
                money(f.proven_amount),
                money(f.excess_amount),
                _state_label(f.state),
                line.decided_by.get_username() if line.decided_by else "",
                line.decided_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
                if line.decided_at
                else "",
                line.note,
            ]

    filename = f"invoice-{invoice.pk}-{invoice.month:%Y-%m}.csv"
    return excel_csv_response(filename=filename, header=header, rows=rows())


@require_POST
@role_required(roles.ADMIN_CPAM)
def decide_line(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a line accepted or disputed, with a note (who and when are kept)."""
    line = get_object_or_404(
        InvoiceLine.objects.filter(invoice__in=ProviderInvoice.objects.for_user(request.user)),
        pk=pk,
    )
    form = LineDecisionForm(request.POST)
    if form.is_valid():
        invoices.decide_line(
            line=line,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
            by=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("Decision recorded."))
    else:
        messages.error(request, _("Choose a decision and write a note."))
    return redirect(reverse("integrity:invoice", args=[line.invoice_id]) + f"#line-{line.pk}")


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def rate_list(request: HttpRequest) -> HttpResponse:
    """The providers' rates of the territory, and a form to add one."""
    territory = access_own_territory(request.user)
    providers = invoices.providers_of(territory)
    form = ProviderRateForm(request.POST or None, territory=territory, providers=providers)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Rate saved."))
        return redirect("integrity:rates")
    rates = ProviderRate.objects.for_user(request.user)
    return render(
        request,
        "integrity/invoices/rates.html",
        {"form": form, "rates": rates},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(roles.ADMIN_CPAM)
def rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a rate of the territory (its end, a corrected amount)."""
    territory = access_own_territory(request.user)
    rate = get_object_or_404(ProviderRate.objects.for_user(request.user), pk=pk)
    form = ProviderRateForm(
        request.POST or None,
        instance=rate,
        territory=territory,
        providers=invoices.providers_of(territory),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Rate saved."))
        return redirect("integrity:rates")
    return render(
        request,
        "integrity/invoices/rate_form.html",
        {"form": form, "rate": rate},
        status=400 if form.errors else 200,
    )
