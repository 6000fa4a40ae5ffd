"""The carrier's daily call-detail records (CDR), imported from its CSV file: for carriers that
send files rather than webhooks, and to confirm the webhooks with the billed figures.

The file is checked whole before anything is written: every error comes with its line, and one
error writes nothing. Each line becomes the call's events (ids `cdr:<call id>:<type>`), so a
file imported twice changes nothing. The format is in docs/telephony.md.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from calls.exceptions import CdrImportError
from calls.models import CarrierCall, CarrierEvent
from calls.services.carrier import CarrierEventData, apply_event
from common.csv_files import CsvLayout, cell_error, line_error, read_csv

CDR_LAYOUT = CsvLayout(
    columns=(
        "call_id",
        "to",
        "started_at",
        "answered_at",
        "ended_at",
        "answered_by",
        "status",
        "billed_seconds",
        "reference",
    ),
    required=("call_id", "started_at", "ended_at", "status", "billed_seconds"),
    max_bytes=50 * 1024 * 1024,
    max_rows=500_000,
)
Status = CarrierCall.FinalStatus


@dataclass(frozen=True)
class CdrResult:
    lines: int
    events_recorded: int
    events_already_known: int


def _moment(line: int, column: str, value: str, errors: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append(cell_error(line, column, _("not an ISO 8601 date and time with its offset.")))
        return None
    return moment


def _events(line: int, row: dict[str, str], errors: list[str]) -> list[CarrierEventData]:
    before = len(errors)
    call_id = row["call_id"]
    if not call_id or len(call_id) > 64:
        errors.append(cell_error(line, "call_id", _("required, at most 64 characters.")))
    started = _moment(line, "started_at", row["started_at"], errors)
    answered = _moment(line, "answered_at", row["answered_at"], errors)
    ended = _moment(line, "ended_at", row["ended_at"], errors)
    for column, value in (("started_at", started), ("ended_at", ended)):
        if value is None and not row[column]:
            errors.append(cell_error(line, column, _("required.")))
    status = row["status"]
    if status not in Status.values:
        errors.append(
            cell_error(line, "status", _("one of: %(values)s.") % {"values": ", ".join(Status)})
        )
    answered_by = row["answered_by"]
    if answered_by not in ("", *CarrierCall.AnsweredBy.values):
        errors.append(cell_error(line, "answered_by", _("person, machine or empty.")))
    if (status == Status.ANSWERED) != bool(row["answered_at"]) or (
        bool(row["answered_at"]) != bool(answered_by)
    ):
        errors.append(
            line_error(
                line,
                _("an answered call has answered_at and answered_by; another has neither."),
            )
        )
    billed = row["billed_seconds"]
    if not billed.isdigit() or int(billed) > 24 * 3600:
        errors.append(cell_error(line, "billed_seconds", _("a whole number of seconds.")))
    if started and ended and ended < started:
        errors.append(line_error(line, _("the call ends before it starts.")))
    if started and ended and answered and not started <= answered <= ended:
        errors.append(line_error(line, _("the answer is outside the call.")))
    if len(row["to"]) > 20 or len(row["reference"]) > 64:
        errors.append(line_error(line, _("to or reference is too long.")))
    if len(errors) > before or started is None or ended is None:
        return []
    to, reference = row["to"], row["reference"]
    events = [
        CarrierEventData(
            event_id=f"cdr:{call_id}:initiated",
            call_id=call_id,
            type="initiated",
            occurred_at=started,
            to=to,
            reference=reference,
        )
    ]
    if answered is not None:
        events.append(
            CarrierEventData(
                event_id=f"cdr:{call_id}:answered",
                type="answered",
                occurred_at=answered,
                answered_by=answered_by,
                call_id=call_id,
                to=to,
                reference=reference,
            )
        )
    end_type = "failed" if status in (Status.BUSY, Status.FAILED) else "completed"
    events.append(
        CarrierEventData(
            event_id=f"cdr:{call_id}:{end_type}",
            type=end_type,
            occurred_at=ended,
            status=status,
            billed_seconds=int(billed),
            call_id=call_id,
            to=to,
            reference=reference,
        )
    )
    return events


def import_cdr(*, content: bytes, carrier: str, now: datetime) -> CdrResult:
    """Import a carrier's CDR file, all or nothing; raise CdrImportError with the lines'
    errors."""
    rows, errors = read_csv(content, layout=CDR_LAYOUT, error=CdrImportError)
    seen: dict[str, int] = {}
    parsed: list[tuple[int, dict[str, str], list[CarrierEventData]]] = []
    for line, row in rows:
        if row["call_id"] in seen:
            errors.append(
                line_error(
                    line,
                    _("call %(id)s is already on line %(first)d.")
                    % {"id": row["call_id"], "first": seen[row["call_id"]]},
                )
            )
            continue
        seen[row["call_id"]] = line
        parsed.append((line, row, _events(line, row, errors)))
    if errors:
        raise CdrImportError(errors)
    recorded = known = 0
    with transaction.atomic():
        for _line, row, events in parsed:
            for event in events:
                payload = {"cdr": row, "event_id": event.event_id}
                stored = apply_event(
                    carrier=carrier,
                    event=event,
                    payload=payload,
                    source=CarrierEvent.Source.CDR,
                    now=now,
                )
                if stored is None:
                    known += 1
                else:
                    recorded += 1
    return CdrResult(lines=len(parsed), events_recorded=recorded, events_already_known=known)
