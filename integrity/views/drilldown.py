"""A finding's drill-down: the attempt, the carrier's call and its events, and the evidence.
For supervisors and CPAM admins of the finding's territory (404 for another territory, 403 for
an agent), like the rest of the integrity page."""

from collections import defaultdict

from django.db.models import OuterRef, Subquery
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
from supervision.services.sla import local_day_bounds

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


def flag_figures(finding: Finding) -> str | None:
    """The evidence of a flag on an agent's day in one line (page and CSV); None for the other
    kinds."""
    e = finding.evidence
    hours = number_format((e.get("worked_seconds") or e.get("logged_in_seconds") or 0) / 3600, 1)
    if finding.kind == Kind.LOW_ACTIVITY:
        return _("%(share)s %% of %(hours)s h worked on calls (minimum %(minimum)s %%)") % {
            "share": e.get("on_call_share"),
            "hours": hours,
            "minimum": e.get("minimum_percent"),
        }
    if finding.kind == Kind.WRAP_UP_OVER:
        return _(
            "%(over)s min of wrap-up past its limits (flag at %(limit)s min), %(calls)s calls"
        ) % {
            "over": (e.get("wrap_up_over_seconds") or 0) // 60,
            "limit": (e.get("limit_seconds") or 0) // 60,
            "calls": e.get("calls"),
        }
    if finding.kind == Kind.PAUSE_OVER_CAP:
        return _("%(minutes)s min of pause past the daily cap, not confirmed (%(reasons)s)") % {
            "minutes": (e.get("over_seconds") or 0) // 60,
            "reasons": ", ".join(p.get("reason", "") for p in e.get("pauses") or []),
        }
    if finding.kind == Kind.FAST_HANG_UPS:
        return _("%(short)s calls too short for their outcome out of %(connected)s connected") % {
            "short": e.get("short_calls"),
            "connected": e.get("connected_calls"),
        }
    if finding.kind == Kind.UNANSWERED_OUTCOMES:
        return _("%(n)s conversation outcomes on calls the carrier saw unanswered") % {
            "n": e.get("unanswered_outcomes")
        }
    return None


# The calls listed on a flag's drill-down: a day has a few dozen; past this, the CSV has them.
DAY_CALLS_SHOWN = 200


def _day_calls(finding: Finding) -> list[dict]:
    """The agent's calls of the flagged day, each with the carrier's word on it and the
    findings on it: two queries."""
    if finding.agent_id is None:
        return []
    start, end = local_day_bounds(finding.day, finding.territory.zone)
    call = CarrierCall.objects.filter(
        carrier=OuterRef("carrier"), carrier_call_id=OuterRef("carrier_call_id")
    ).exclude(carrier_call_id="")
    attempts = list(
        CallAttempt.objects.filter(agent_id=finding.agent_id, ended_at__gte=start, ended_at__lt=end)
        .annotate(
            carrier_answered_by=Subquery(call.values("answered_by")[:1]),
            carrier_final=Subquery(call.values("final_status")[:1]),
            carrier_billed=Subquery(call.values("billed_seconds")[:1]),
        )
        .order_by("started_at")[:DAY_CALLS_SHOWN]
    )
    on_call = defaultdict(list)
    for pk, attempt_id, kind in Finding.objects.filter(
        attempt_id__in=[a.pk for a in attempts]
    ).values_list("pk", "attempt_id", "kind"):
        on_call[attempt_id].append((pk, Kind(kind).label))
    final = dict(CarrierCall.FinalStatus.choices)
    return [
        {
            "attempt": a,
            "talk": int((a.ended_at - a.connected_at).total_seconds())
            if a.connected_at and a.ended_at
            else None,
            "carrier": (
                str(_ANSWERED_BY.get(a.carrier_answered_by or "", ""))
                or str(final.get(a.carrier_final or "", ""))
            ),
            "billed": a.carrier_billed,
            "findings": on_call.get(a.pk, []),
        }
        for a in attempts
    ]


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
        "figures": reconciliation_figures(finding) or flag_figures(finding),
        "is_flag": finding.kind in Finding.FLAG_KINDS,
    }
    if context["is_flag"]:
        context["day_calls"] = _day_calls(finding)
        context["day_calls_cut"] = len(context["day_calls"]) >= DAY_CALLS_SHOWN
    return render(request, "integrity/finding_detail.html", context)
