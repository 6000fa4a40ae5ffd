"""The audit page: who read which person, when (cases.PersonAccess), for the data-protection
officer (every territory) and the CPAM admins (theirs); a CSV export, itself logged."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agents import roles
from agents.roles import role_required
from cases.services import log_person_access
from common.csv_files import excel_csv_response
from supervision.forms import AuditFilterForm
from supervision.selectors.audit import person_accesses

PAGE_SIZE = 100


def _reads(request: HttpRequest, form: AuditFilterForm):
    start, end = form.period()
    return person_accesses(
        user=request.user,
        start=start,
        end=end,
        person=form.cleaned_data["person"].strip()[:100],
        username=form.cleaned_data["username"].strip(),
    )


@require_GET
@role_required(roles.DPO, roles.ADMIN_CPAM)
def audit_log(request: HttpRequest) -> HttpResponse:
    """List who read which person and when; reading the log is not itself a read of a person."""
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = Paginator(_reads(request, form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
@role_required(roles.DPO, roles.ADMIN_CPAM)
def audit_export(request: HttpRequest) -> HttpResponse:
    """Export the filtered log as CSV; the persons it names are logged as read ("audit-export")."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return audit_log(request)
    reads = list(_reads(request, form))
    persons = {a.person_id: a.person for a in reads}
    log_person_access(
        user=request.user, persons=list(persons.values()), what="audit-export", now=timezone.now()
    )
    rows = [
        [
            timezone.localtime(a.accessed_at).isoformat(timespec="seconds"),
            a.user.username,
            str(a.person_id),
            a.person.last_name,
            a.person.first_name,
            a.what,
        ]
        for a in reads
    ]
    header = [_("When"), _("User"), _("Person id"), _("Last name"), _("First name"), _("What")]
    return excel_csv_response(filename="audit.csv", header=header, rows=rows)
