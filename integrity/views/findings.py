"""The integrity page: findings per agent, their acknowledgement, and the CSV export."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents import roles
from agents.roles import role_required
from calls.models import CallAttempt, CallTask
from common.csv_files import excel_csv_response
from common.reporting import reporting
from integrity import selectors
from integrity.forms import STATE_ACKNOWLEDGED, STATE_ALL, STATE_OPEN, FindingFilterForm
from integrity.models import Finding
from integrity.selectors import FindingFilters
from integrity.services.findings import acknowledge_finding
from integrity.views.drilldown import flag_figures, reconciliation_figures

NOTE_MAX_LENGTH = 500


def _filters(
    request: HttpRequest, agent_groups: list[dict]
) -> tuple[FindingFilterForm, FindingFilters]:
    providers = selectors.provider_names(agent_groups)
    form = FindingFilterForm(request.GET or None, providers=providers)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        return form, FindingFilters(
            kind=data["kind"],
            start=data["start"],
            end=data["end"],
            state=data["state"],
            employer=data["employer"],
        )
    return form, FindingFilters()


def _query(request: HttpRequest, **values: str) -> str:
    """The page's query string with some filters set (the others kept)."""
    query = request.GET.copy()
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


def _employer_rows(
    request: HttpRequest, filters: FindingFilters, agent_groups: list[dict]
) -> list[dict]:
    """The per-provider summary with the links that filter the list to each row."""
    kinds = dict(Finding.Kind.choices)
    rows = []
    for row in selectors.findings_by_employer(
        user=request.user,
        filters=filters,
        agent_groups=agent_groups,
        with_invoices=roles.has_role(request.user, roles.ADMIN_CPAM),
    ):
        rows.append(
            {
                "row": row,
                "selected": row.key == filters.employer,
                "query": _query(request, employer=row.key, state=STATE_ALL),
                "open_query": _query(request, employer=row.key, state=STATE_OPEN),
                "acknowledged_query": _query(request, employer=row.key, state=STATE_ACKNOWLEDGED),
                "open_by_kind": [
                    (
                        label,
                        row.open_by_kind[kind],
                        _query(request, employer=row.key, state=STATE_OPEN, kind=kind),
                    )
                    for kind, label in kinds.items()
                    if kind in row.open_by_kind
                ],
            }
        )
    return rows


_OUTCOMES = dict(CallAttempt.Outcome.choices)
_REASONS = dict(CallTask.Reason.choices)


def _figures(finding: Finding) -> str:
    """The evidence in one line, the same on the page and in the CSV."""
    e = finding.evidence
    described = reconciliation_figures(finding) or flag_figures(finding)
    if described is not None:
        return described
    if finding.kind == Finding.Kind.LOW_OUTPUT:
        return _(
            "%(connected)s connected calls (floor %(floor)s) in %(hours)s h logged in, "
            "%(calls)s calls dialled"
        ) % {
            "connected": e.get("connected_calls"),
            "floor": e.get("floor"),
            "hours": number_format((e.get("logged_in_seconds") or 0) / 3600, 1),
            "calls": e.get("calls") or 0,
        }
    limit = e.get("min_seconds") if finding.kind == Finding.Kind.CALL_TOO_SHORT else None
    limit = limit if limit is not None else e.get("max_seconds")
    return _("%(seconds)s s connected (limit %(limit)s s), %(outcome)s, %(reason)s") % {
        "seconds": e.get("connected_seconds"),
        "limit": limit,
        "outcome": _OUTCOMES.get(e.get("outcome", ""), e.get("outcome", "")),
        "reason": _REASONS.get(e.get("reason", ""), e.get("reason", "")),
    }


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def finding_list(request: HttpRequest) -> HttpResponse:
    """The findings of the user's territory, per provider, per agent and one by one, filtered."""
    agent_groups = selectors.agents_by_employer(user=request.user)
    form, filters = _filters(request, agent_groups)
    findings = list(
        selectors.filtered_findings(user=request.user, filters=filters)[: selectors.LIST_LIMIT]
    )
    for finding in findings:
        finding.figures = _figures(finding)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "findings": findings,
        "by_agent": selectors.findings_by_agent(user=request.user, filters=filters),
        "by_employer": _employer_rows(request, filters, agent_groups),
        "limit": selectors.LIST_LIMIT,
        "query": request.GET.urlencode(),
    }
    return render(request, "integrity/findings.html", context)


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
@reporting()
def finding_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The same findings as the page, every one of them, as a CSV for Excel."""
    _form, filters = _filters(request, selectors.agents_by_employer(user=request.user))
    findings = selectors.filtered_findings(user=request.user, filters=filters)
    header = [
        _("Day"),
        _("Territory"),
        _("Agent"),
        _("Username"),
        _("Employer"),
        _("Provider"),
        _("Finding"),
        _("Evidence"),
        _("Call attempt"),
        _("Detected at"),
        _("Acknowledged by"),
        _("Acknowledged at"),
        _("Note"),
    ]

    def rows():
        for f in findings.iterator(chunk_size=500):
            zone = f.territory.zone
            yield [
                f.day.isoformat(),
                f.territory.code,
                (f.agent.user.get_full_name() or f.agent.user.get_username()) if f.agent else "",
                f.agent.user.get_username() if f.agent else "",
                str(f.agent.get_employer_display()) if f.agent else "",
                f.agent.provider_name if f.agent else "",
                str(f.get_kind_display()),
                _figures(f),
                str(f.attempt_id or ""),
                f.detected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                f.acknowledged_by.get_username() if f.acknowledged_by else "",
                f.acknowledged_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
                if f.acknowledged_at
                else "",
                f.note,
            ]

    return excel_csv_response(filename="findings.csv", header=header, rows=rows())


@require_POST
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge a finding with a note (required: what was found out, what was done)."""
    finding = selectors.access_finding(user=request.user, pk=pk)
    note = request.POST.get("note", "").strip()[:NOTE_MAX_LENGTH]
    if not note:
        messages.error(request, _("Write a note to acknowledge a finding."))
    elif acknowledge_finding(finding=finding, user=request.user, note=note, now=timezone.now()):
        messages.success(request, _("Finding acknowledged."))
    else:
        messages.info(request, _("This finding was already acknowledged."))
    return redirect("integrity:findings")
