"""Carrier evidence: the calls the carrier placed, the events it reports, and what they do to
the desk's call (docs/telephony.md).

An `answered` event by a person stamps the call's connected time from the carrier's clock (the
desk's « Answered » as evidence, not as the agent's click); by a machine, it records voicemail
without the agent, who is free for the next call at once. Every event is kept once per carrier
and id: a webhook sent again, or a CDR line imported twice, changes nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agents.models import Agent
from calls.exceptions import LeaseLost
from calls.models import Assignment, CallAttempt, CarrierCall, CarrierEvent

logger = logging.getLogger(__name__)

Type = CarrierEvent.Type
State = CarrierCall.State
# A call's states in the order they happen: an event arriving late never moves it back.
_STATE_ORDER: dict[str, int] = {State.INITIATED: 0, State.RINGING: 1, State.ANSWERED: 2}


@dataclass(frozen=True)
class CarrierEventData:
    """One event as the carrier reports it, validated (calls.serializers.CarrierEventSerializer
    for the webhook, the CDR import for the file's lines)."""

    event_id: str
    call_id: str
    type: str
    occurred_at: datetime
    answered_by: str = ""
    status: str = ""
    billed_seconds: int | None = None
    reference: str = ""
    to: str = ""
    voicemail_dropped: bool = False


@transaction.atomic
def record_dial(
    *, assignment: Assignment, agent: Agent, carrier: str, call_id: str, now: datetime
) -> CarrierCall:
    """Keep the carrier's id of the call just dialled on the assignment, and open its record."""
    Assignment.objects.filter(pk=assignment.pk, agent=agent, closed_at__isnull=True).update(
        carrier=carrier, carrier_call_id=call_id
    )
    assignment.carrier, assignment.carrier_call_id = carrier, call_id
    call, created = CarrierCall.objects.get_or_create(
        carrier=carrier,
        carrier_call_id=call_id,
        defaults={
            "assignment": assignment,
            "number": assignment.phone,
            "state": State.INITIATED,
            "started_at": now,
            "updated_at": now,
        },
    )
    if not created and call.assignment_id is None:
        # Its webhooks came before the dial's answer: link them now.
        CarrierCall.objects.filter(pk=call.pk).update(assignment=assignment)
        call.assignment = assignment
        _apply_to_assignment(call=call, now=now)
    return call


def apply_event(
    *, carrier: str, event: CarrierEventData, payload: dict, source: str, now: datetime
) -> CarrierEvent | None:
    """Record one carrier event and apply it to its call (and to the desk's assignment);
    None when this carrier already sent this event id (nothing is written again)."""
    with transaction.atomic():
        if CarrierEvent.objects.filter(carrier=carrier, event_id=event.event_id).exists():
            return None
        call, _created = CarrierCall.objects.get_or_create(
            carrier=carrier,
            carrier_call_id=event.call_id,
            defaults={"number": event.to, "state": State.INITIATED, "updated_at": now},
        )
        call = CarrierCall.objects.select_for_update().get(pk=call.pk)
        try:
            with transaction.atomic():
                stored = CarrierEvent.objects.create(
                    carrier=carrier,
                    event_id=event.event_id,
                    call=call,
                    type=event.type,
                    occurred_at=event.occurred_at,
                    received_at=now,
                    source=source,
                    payload=payload,
                )
        except IntegrityError:
            return None  # The same event, received twice at once: the other one applies it.
        _update_call(call=call, event=event, now=now)
        if call.assignment_id is None:
            call.assignment = _find_assignment(carrier=carrier, event=event)
            if call.assignment is not None:
                # Linked by the dial's reference: the assignment keeps the id from now on.
                Assignment.objects.filter(pk=call.assignment.pk, carrier_call_id="").update(
                    carrier=carrier, carrier_call_id=event.call_id
                )
        call.save()
        _apply_to_assignment(call=call, now=now)
    return stored


def _update_call(*, call: CarrierCall, event: CarrierEventData, now: datetime) -> None:
    at = event.occurred_at
    if event.to and not call.number:
        call.number = event.to
    if event.type == Type.INITIATED:
        call.started_at = min(call.started_at or at, at)
    elif event.type == Type.RINGING:
        call.ringing_at = call.ringing_at or at
    elif event.type == Type.ANSWERED:
        call.answered_at = call.answered_at or at
        call.answered_by = event.answered_by or call.answered_by
        call.voicemail_dropped = call.voicemail_dropped or event.voicemail_dropped
    else:
        call.ended_at = at
        if event.billed_seconds is not None:
            call.billed_seconds = event.billed_seconds
        if event.type == Type.FAILED:
            call.final_status = (
                CarrierCall.FinalStatus.BUSY
                if event.status == CarrierCall.FinalStatus.BUSY
                else CarrierCall.FinalStatus.FAILED
            )
        else:
            call.final_status = event.status or (
                CarrierCall.FinalStatus.ANSWERED
                if call.answered_at
                else CarrierCall.FinalStatus.NO_ANSWER
            )
        call.voicemail_dropped = call.voicemail_dropped or event.voicemail_dropped
    ends = event.type in (Type.COMPLETED, Type.FAILED)
    moves_on = (
        not ends
        and call.state in _STATE_ORDER
        and _STATE_ORDER[event.type] > _STATE_ORDER[call.state]
    )
    if ends or moves_on:
        call.state = event.type
    call.started_at = call.started_at or at
    call.updated_at = now


def _find_assignment(*, carrier: str, event: CarrierEventData) -> Assignment | None:
    found = Assignment.objects.filter(carrier=carrier, carrier_call_id=event.call_id).first()
    if found is None and event.reference.isdigit() and len(event.reference) <= 18:
        # The carrier echoes the dial's reference: its events may come before the dial's answer.
        found = Assignment.objects.filter(
            pk=int(event.reference), carrier_call_id__in=("", event.call_id)
        ).first()
    return found


def _apply_to_assignment(*, call: CarrierCall, now: datetime) -> None:
    """What the carrier's evidence does to the desk's call while the agent still holds it."""
    if call.assignment_id is None or call.answered_at is None:
        return
    assignment = Assignment.objects.select_for_update().get(pk=call.assignment_id)
    if assignment.closed_at is not None or assignment.carrier_call_id != call.carrier_call_id:
        # Recorded already, or an earlier dial of the same card (the agent dialled again, maybe
        # another number): the evidence stays as kept, on its own call.
        return
    if call.answered_by == CarrierCall.AnsweredBy.MACHINE:
        _record_voicemail(assignment=assignment, call=call, now=now)
        return
    if assignment.connected_source != Assignment.ConnectedSource.CARRIER:
        # The carrier's clock replaces the agent's click, which proves nothing; kept between the
        # dialling and now, so that a clock skew never makes a negative talk time.
        connected_at = min(call.answered_at, now)
        if assignment.dialled_at is not None:
            connected_at = max(connected_at, assignment.dialled_at)
        Assignment.objects.filter(pk=assignment.pk).update(
            connected_at=connected_at, connected_source=Assignment.ConnectedSource.CARRIER
        )


def _record_voicemail(*, assignment: Assignment, call: CarrierCall, now: datetime) -> None:
    # Imported here: outcomes imports the dispatch and fallback services, which need none of this.
    from calls.services.outcomes import record_outcome

    notes = (
        _("Answering machine (carrier): a recorded message was left.")
        if call.voicemail_dropped
        else _("Answering machine (carrier).")
    )
    try:
        # Its own transaction writes the attempt even on a lost lease, then says so.
        record_outcome(
            assignment=assignment,
            agent=assignment.agent,
            outcome=CallAttempt.Outcome.VOICEMAIL,
            now=now,
            notes=notes,
        )
    except LeaseLost:
        logger.info("Answering machine on assignment %s after its lease", assignment.pk)
    Assignment.objects.filter(pk=assignment.pk, end_reason=Assignment.EndReason.OUTCOME).update(
        end_reason=Assignment.EndReason.MACHINE
    )
