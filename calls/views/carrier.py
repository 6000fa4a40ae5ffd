"""The carrier's webhook: each call's life, reported by the carrier and signed with its secret
(docs/telephony.md). No session, no CSRF token: the signature is the authentication."""

import json
import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls import telephony
from calls.models import CarrierEvent
from calls.serializers import CarrierEventSerializer
from calls.services.carrier import CarrierEventData, apply_event

# A webhook body is one event: anything larger is not one.
MAX_BODY_BYTES = 16 * 1024


def _refused(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


@csrf_exempt
@login_not_required
@require_POST
def carrier_events(request: HttpRequest, carrier: str) -> JsonResponse:
    """Receive one signed event: 200 once applied (or already applied: same id, no effect),
    400 with field errors and nothing written, 401 on a bad or stale signature."""
    secret = settings.CARRIER_SECRETS.get(carrier)
    if not secret:
        return _refused(404, "unknown_carrier", "No such carrier.")
    body = request.body  # Django refuses a body past DATA_UPLOAD_MAX_MEMORY_SIZE itself.
    if len(body) > MAX_BODY_BYTES:
        return _refused(413, "too_large", "One event per request.")
    timestamp = request.headers.get(telephony.TIMESTAMP_HEADER, "")
    signature = request.headers.get(telephony.SIGNATURE_HEADER, "")
    if not telephony.signature_ok(
        secret=secret, timestamp=timestamp, body=body, signature=signature
    ):
        return _refused(401, "bad_signature", "The signature does not match the body.")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > (
        settings.CARRIER_WEBHOOK_TOLERANCE
    ):
        return _refused(401, "stale_timestamp", "The timestamp is outside the tolerance.")
    try:
        payload = json.loads(body)
    except ValueError:
        return _refused(400, "parse_error", "The body is not JSON.")
    if not isinstance(payload, dict):
        return _refused(400, "parse_error", "The body is one JSON object.")
    serializer = CarrierEventSerializer(data=payload)
    if not serializer.is_valid():
        return JsonResponse(
            {"code": "invalid", "detail": "Invalid event.", "errors": serializer.errors},
            status=400,
        )
    event = CarrierEventData(**serializer.validated_data)
    stored = apply_event(
        carrier=carrier,
        event=event,
        payload=payload,
        source=CarrierEvent.Source.WEBHOOK,
        now=timezone.now(),
    )
    return JsonResponse({"event_id": event.event_id, "duplicate": stored is None})
