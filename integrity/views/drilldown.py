"""A finding's drill-down: the attempt, the carrier's call and its events, and the evidence.
For supervisors and CPAM admins of the finding's territory (404 for another territory, 403 for
an agent), like the rest of the integrity page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agents import roles
from agents.roles import role_required
from calls.models import CallAttempt, CarrierCall
from common.phones import display_for
from integrity.models import Finding

Kind = Finding.Kind
_OUTCOMES = dict(CallAttempt.Outcome.choices)
_ANSWERED_BY = dict(CarrierCall.AnsweredBy.choices)


def _outcome(code: str) -> str:
    return str(_OUTCOMES.get(code, code))


def reconciliation_figures(finding: Finding) -> str | None:
    """The evidence of a reconciliation finding in one line (page and CSV); None for the other
    kinds."""
    e = finding.evidence
    if finding.kind == Kind.NO_CARRIER_ANSWER:
        return _("%(outcome)s recorded; the carrier reports %(answer)s (call %(call)s)") % {
            "outcome": _outcome(e.get("outcome", "")),
            "answer": str(_ANSWERED_BY.get(e.get("carrier_answered_by") or "", _("no answer"))),
            "call": e.get("carrier_call_id", ""),
        }
    if finding.kind == Kind.BILLED_MISMATCH:
        return _("%(talk)s s of talk recorded, %(billed)s s billed (tolerance %(tolerance)s s)") % {
            "talk": e.get("talk_seconds"),
            "billed": e.get("billed_seconds"),
            "tolerance": e.get("tolerance_seconds"),
        }
    if finding.kind == Kind.NO_CARRIER_RECORD:
        return _("Carrier call %(call)s: nothing reported after %(minutes)s min") % {
            "call": e.get("carrier_call_id", ""),
            "minutes": e.get("grace_minutes"),
        }
    if finding.kind == Kind.UNPROVEN_CALL:
        return _("%(outcome)s recorded on a call dialled by hand: no carrier record") % {
            "outcome": _outcome(e.get("outcome", ""))
        }
    if finding.kind == Kind.CALL_OUTSIDE_DESK:
        return _("Carrier call %(call)s, %(billed)s s billed, with no attempt on the desk") % {
            "call": e.get("carrier_call_id", ""),
            "billed": number_format(e.get("billed_seconds") or 0),
        }
    return None


def _carrier_call(finding: Finding) -> CarrierCall | None:
    """The carrier's call of the finding (its own, or its attempt's), with its events: two
    queries at most."""
    calls = CarrierCall.objects.prefetch_related("events")
    if finding.carrier_call_id is not None:
        return calls.filter(pk=finding.carrier_call_id).first()
    attempt = finding.attempt
    if attempt is None or not attempt.carrier_call_id:
        return None
    return calls.filter(carrier=attempt.carrier, carrier_call_id=attempt.carrier_call_id).first()


@require_GET
@role_required(roles.SUPERVISEUR, roles.ADMIN_CPAM)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        Finding.objects.for_user(request.user).select_related(
            "agent__user", "agent__team", "territory", "acknowledged_by", "attempt__task"
        ),
        pk=pk,
    )
    territory = finding.territory
    attempt = finding.attempt
    call = _carrier_call(finding)
    talk = None
    if attempt is not None and attempt.connected_at and attempt.ended_at:
        talk = int((attempt.ended_at - attempt.connected_at).total_seconds())
    context = {
        "finding": finding,
        "zone": territory.timezone,
        "attempt": attempt,
        "talk_seconds": talk,
        "attempt_number": display_for(attempt.phone, territory.phone_region)
        if attempt is not None and attempt.phone
        else "",
        "call": call,
        "call_number": display_for(call.number, territory.phone_region)
        if call is not None and call.number
        else "",
        "events": list(call.events.all()) if call is not None else [],
        "evidence": sorted(finding.evidence.items()),
        "figures": reconciliation_figures(finding),
    }
    return render(request, "integrity/finding_detail.html", context)
