"""Reconciliation (issue 14, part 3): every attempt of the look-back set against the carrier's
record of its call, and every carrier call against the desk's attempts. Each mismatch becomes a
Finding with its evidence, on the agent's local day.

Set-based and idempotent like the detection jobs: one query per rule, one
`bulk_create(ignore_conflicts=True)`; the unique constraints of Finding (kind and attempt, kind
and carrier call) make a second run add nothing. A call is judged once its grace period
(INTEGRITY_CARRIER_GRACE_MINUTES) has passed, so that late webhooks and the daily CDR file are in.

The rules:

- `no_carrier_answer`: an outcome that needs a conversation (CallAttempt.CONVERSATION_OUTCOMES)
  on a call the carrier reported, without a carrier `answered` by a person.
- `billed_mismatch`: the talk time recorded (connected to ended) differs from the carrier's
  billed seconds by more than max(INTEGRITY_TALK_TOLERANCE_SECONDS, INTEGRITY_TALK_TOLERANCE_PERCENT
  of the billed).
- `no_carrier_record`: an attempt dialled through the carrier (it has a carrier call id) of which
  the carrier reported nothing: no event, by webhook or CDR file.
- `unproven_call`: an attempt with no carrier call id at all, when calls are expected to go
  through a carrier (INTEGRITY_EXPECT_CARRIER). It was dialled by hand (the `tel:` fallback when
  the carrier could not be reached, or a softphone): there is no carrier record *by design*, so
  this says "unproven", not "fraud". Inbound calls are never dialled and are not judged.
- `call_outside_desk`: a carrier call with no attempt on the desk: matched to no assignment at
  all (a call made outside the desk), or answered on an assignment that recorded no attempt.
  On the assignment's agent when known; otherwise on the territory of the number's last
  assignment, with no agent. A call whose number the desk never dialled has no territory to be
  shown in and is only counted in the log.
"""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import Exists
from django.utils import timezone

from calls.models import Assignment, CallAttempt, CarrierCall, CarrierEvent
from integrity.models import Finding

logger = logging.getLogger(__name__)
Kind = Finding.Kind


def talk_tolerance(billed_seconds: int) -> int:
    """The difference allowed between the talk time recorded and the billed seconds."""
    return max(
        settings.INTEGRITY_TALK_TOLERANCE_SECONDS,
        billed_seconds * settings.INTEGRITY_TALK_TOLERANCE_PERCENT // 100,
    )


def _carrier_call(field: str) -> Subquery:
    return Subquery(
        CarrierCall.objects.filter(
            carrier=OuterRef("carrier"), carrier_call_id=OuterRef("carrier_call_id")
        ).values(field)[:1]
    )


def _reported() -> Exists:
    """The carrier reported something of the attempt's call (an event, by webhook or CDR)."""
    return Exists(
        CarrierEvent.objects.filter(
            call__carrier=OuterRef("carrier"), call__carrier_call_id=OuterRef("carrier_call_id")
        )
    )


def _attempts(*, since: datetime, until: datetime, kind: str) -> QuerySet[CallAttempt]:
    """The outbound, accepted attempts that ended in [since, until], not yet found of `kind`."""
    return CallAttempt.objects.filter(
        channel=CallAttempt.Channel.OUTBOUND,
        accepted=True,
        ended_at__isnull=False,
        ended_at__gte=since,
        ended_at__lte=until,
    ).exclude(findings__kind=kind)


_ATTEMPT_FIELDS = (
    "pk",
    "agent_id",
    "agent__territory_id",
    "agent__territory__timezone",
    "outcome",
    "started_at",
    "connected_at",
    "ended_at",
    "connected_source",
    "carrier",
    "carrier_call_id",
)


class _Builder:
    def __init__(self, now: datetime):
        self.now = now
        self.zones: dict[str, ZoneInfo] = {}
        self.findings: list[Finding] = []

    def day(self, at: datetime, zone_name: str):
        zone = self.zones.setdefault(zone_name, ZoneInfo(zone_name))
        return timezone.localdate(at, timezone=zone)

    def attempt(self, a: dict, kind: str, **evidence) -> None:
        self.findings.append(
            Finding(
                territory_id=a["agent__territory_id"],
                agent_id=a["agent_id"],
                day=self.day(a["ended_at"], a["agent__territory__timezone"]),
                kind=kind,
                attempt_id=a["pk"],
                evidence={
                    "outcome": a["outcome"],
                    "started_at": a["started_at"].isoformat(),
                    "connected_at": a["connected_at"].isoformat() if a["connected_at"] else None,
                    "ended_at": a["ended_at"].isoformat(),
                    "connected_source": a["connected_source"],
                    "carrier": a["carrier"],
                    "carrier_call_id": a["carrier_call_id"],
                    **evidence,
                },
                detected_at=self.now,
            )
        )


def reconcile(*, now: datetime) -> int:
    """Set the look-back's attempts and carrier calls against each other; return the number of
    new findings. Safe to run again and again."""
    since = now - timedelta(hours=settings.INTEGRITY_LOOKBACK_HOURS)
    until = now - timedelta(minutes=settings.INTEGRITY_CARRIER_GRACE_MINUTES)
    if until <= since:
        return 0
    b = _Builder(now)
    with_id = ~Q(carrier_call_id="")

    # 1. A conversation outcome on a call the carrier reported, never answered by a person.
    rows = (
        _attempts(since=since, until=until, kind=Kind.NO_CARRIER_ANSWER)
        .filter(with_id, outcome__in=CallAttempt.CONVERSATION_OUTCOMES)
        .annotate(
            reported=_reported(),
            answered_by=_carrier_call("answered_by"),
            carrier_call_pk=_carrier_call("pk"),
            final_status=_carrier_call("final_status"),
            billed=_carrier_call("billed_seconds"),
        )
        .filter(reported=True)
        .exclude(answered_by=CarrierCall.AnsweredBy.PERSON)
        .values(*_ATTEMPT_FIELDS, "answered_by", "carrier_call_pk", "final_status", "billed")
    )
    for a in rows:
        b.attempt(
            a,
            Kind.NO_CARRIER_ANSWER,
            carrier_call=a["carrier_call_pk"],
            carrier_answered_by=a["answered_by"] or "",
            carrier_final_status=a["final_status"] or "",
            billed_seconds=a["billed"],
        )

    # 2. Talk time recorded against the billed seconds, beyond the tolerance.
    rows = (
        _attempts(since=since, until=until, kind=Kind.BILLED_MISMATCH)
        .filter(with_id, connected_at__isnull=False)
        .annotate(
            billed=_carrier_call("billed_seconds"),
            carrier_call_pk=_carrier_call("pk"),
            talk=ExpressionWrapper(F("ended_at") - F("connected_at"), output_field=DurationField()),
        )
        .filter(billed__isnull=False)
        .values(*_ATTEMPT_FIELDS, "billed", "carrier_call_pk")
    )
    for a in rows:
        talk = int((a["ended_at"] - a["connected_at"]).total_seconds())
        tolerance = talk_tolerance(a["billed"])
        if abs(talk - a["billed"]) > tolerance:
            b.attempt(
                a,
                Kind.BILLED_MISMATCH,
                carrier_call=a["carrier_call_pk"],
                talk_seconds=talk,
                billed_seconds=a["billed"],
                difference_seconds=talk - a["billed"],
                tolerance_seconds=tolerance,
            )

    # 3. Dialled through the carrier, and the carrier reported nothing.
    rows = (
        _attempts(since=since, until=until, kind=Kind.NO_CARRIER_RECORD)
        .filter(with_id)
        .annotate(reported=_reported(), carrier_call_pk=_carrier_call("pk"))
        .filter(reported=False)
        .values(*_ATTEMPT_FIELDS, "carrier_call_pk")
    )
    for a in rows:
        b.attempt(
            a,
            Kind.NO_CARRIER_RECORD,
            carrier_call=a["carrier_call_pk"],
            grace_minutes=settings.INTEGRITY_CARRIER_GRACE_MINUTES,
        )

    # 4. Dialled by hand (`tel:`) where calls go through a carrier: unproven, not fraud.
    if settings.INTEGRITY_EXPECT_CARRIER:
        rows = (
            _attempts(since=since, until=until, kind=Kind.UNPROVEN_CALL)
            .filter(carrier_call_id="")
            .values(*_ATTEMPT_FIELDS)
        )
        for a in rows:
            b.attempt(a, Kind.UNPROVEN_CALL)

    # 5. Carrier calls with no attempt on the desk.
    _calls_outside_desk(b, since=since, until=until)

    if not b.findings:
        return 0
    Finding.objects.bulk_create(b.findings, ignore_conflicts=True, batch_size=500)
    return Finding.objects.filter(detected_at=now, kind__in=Finding.RECONCILIATION_KINDS).count()


def _calls_outside_desk(b: _Builder, *, since: datetime, until: datetime) -> None:
    has_attempt = Exists(
        CallAttempt.objects.filter(
            carrier=OuterRef("carrier"), carrier_call_id=OuterRef("carrier_call_id")
        )
    ) | Exists(CallAttempt.objects.filter(assignment=OuterRef("assignment")))
    last_assignment = Assignment.objects.filter(phone=OuterRef("number")).exclude(phone="")
    last_assignment = last_assignment.order_by("-claimed_at")
    rows = (
        CarrierCall.objects.filter(started_at__gte=since, started_at__lte=until)
        .filter(Q(assignment__isnull=True) | Q(answered_at__isnull=False))
        .exclude(has_attempt)
        .exclude(findings__kind=Kind.CALL_OUTSIDE_DESK)
        .annotate(
            number_territory=Subquery(last_assignment.values("task__territory_id")[:1]),
            number_zone=Subquery(last_assignment.values("task__territory__timezone")[:1]),
        )
        .values(
            "pk",
            "carrier",
            "carrier_call_id",
            "assignment_id",
            "assignment__agent_id",
            "assignment__agent__territory_id",
            "assignment__agent__territory__timezone",
            "number_territory",
            "number_zone",
            "started_at",
            "answered_at",
            "answered_by",
            "ended_at",
            "billed_seconds",
            "final_status",
        )
    )
    unplaced = 0
    for c in rows:
        if c["assignment_id"] is not None:
            territory, zone = (
                c["assignment__agent__territory_id"],
                c["assignment__agent__territory__timezone"],
            )
        else:
            territory, zone = c["number_territory"], c["number_zone"]
        if territory is None:
            unplaced += 1
            continue
        b.findings.append(
            Finding(
                territory_id=territory,
                agent_id=c["assignment__agent_id"],
                day=b.day(c["started_at"], zone),
                kind=Kind.CALL_OUTSIDE_DESK,
                carrier_call_id=c["pk"],
                evidence={
                    "carrier": c["carrier"],
                    "carrier_call_id": c["carrier_call_id"],
                    "assignment": c["assignment_id"],
                    "started_at": c["started_at"].isoformat(),
                    "answered_at": c["answered_at"].isoformat() if c["answered_at"] else None,
                    "ended_at": c["ended_at"].isoformat() if c["ended_at"] else None,
                    "answered_by": c["answered_by"],
                    "billed_seconds": c["billed_seconds"],
                    "final_status": c["final_status"],
                },
                detected_at=b.now,
            )
        )
    if unplaced:
        logger.warning(
            "%s carrier calls with no attempt and a number the desk never dialled", unplaced
        )
