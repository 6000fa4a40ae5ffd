"""Background jobs of the queue: thin, idempotent, taking ids."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from calls.models import SmsMessage
from calls.services import sweeps
from calls.sms import SmsError, get_backend


@shared_task(name="calls.tasks.send_sms")
def send_sms(sms_id: int) -> str:
    """Send one queued SMS; a redelivered message finds it taken and sends nothing."""
    # Claim the message first: at most once is the promise ("SMS once, never twice").
    with transaction.atomic():
        claimed = SmsMessage.objects.filter(pk=sms_id, status=SmsMessage.Status.QUEUED).update(status=SmsMessage.Status.SENDING)
    if not claimed:
        return "skipped"
    sms = SmsMessage.objects.get(pk=sms_id)
    try:
        reference = get_backend().send(to=sms.phone, body=sms.body)
    except SmsError as exc:
        SmsMessage.objects.filter(pk=sms_id).update(status=SmsMessage.Status.FAILED, error=str(exc)[:255])
        return "failed"
    SmsMessage.objects.filter(pk=sms_id).update(status=SmsMessage.Status.SENT, provider_ref=reference, sent_at=timezone.now())
    return "sent"


# The sweeps (calls.services.sweeps), run by beat every 30-60 s; each returns how many rows it moved.


@shared_task(name="calls.tasks.expire_leases")
def expire_leases() -> int:
    """Give back to the queue the tasks whose lease has expired."""
    return sweeps.expire_leases(now=timezone.now())


@shared_task(name="calls.tasks.release_callbacks")
def release_callbacks() -> int:
    """Open to all agents the due callbacks whose owner is offline."""
    return sweeps.release_callbacks(now=timezone.now())


@shared_task(name="calls.tasks.flag_at_risk")
def flag_at_risk() -> int:
    """Flag the queued tasks close to their deadline."""
    return sweeps.flag_at_risk(now=timezone.now())


@shared_task(name="calls.tasks.fallback_at_deadline")
def fallback_at_deadline() -> int:
    """Text and escalate the queued tasks past their deadline."""
    return sweeps.fallback_at_deadline(now=timezone.now())


@shared_task(name="calls.tasks.close_reached_duplicates")
def close_reached_duplicates() -> int:
    """Cancel the waiting tasks of people already reached for the same reason."""
    return sweeps.close_reached_duplicates(now=timezone.now())
